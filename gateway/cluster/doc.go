// Package cluster is the backend side of the gateway: one Cluster per
// service, a partitioned, replicated set of backends in the shape of Jim
// Gray's RAPS of RACS (a Reliable Array of Partitioned Services, each
// partition a Reliable Array of Cloned Services: Devlin, Gray, Laing and
// Spix, "Scalability Terminology: Farms, Clones, Partitions, and Packs:
// RACS and RAPS", Microsoft Research MS-TR-99-85, 1999).
//
// Routing one request takes two decisions:
//
//   - Partition: rendezvous, or highest-random-weight, hashing of the
//     request's key over the partition names (Thaler and Ravishankar,
//     "Using Name-Based Mappings to Increase Hit Rates", IEEE/ACM ToN
//     1998). The mapping is a fixed function of key and names, stable
//     across processes and restarts; adding a partition to n moves about
//     1/(n+1) of the keys, all to the new one. Requests without a key may
//     go to AnyPartition, the one with the fewest requests in flight per
//     available replica.
//   - Replica: power of two choices on requests in flight (Mitzenmacher,
//     "The Power of Two Choices in Randomized Load Balancing", IEEE TPDS
//     2001) among the available replicas of the partition; Pick takes
//     replicas to exclude, for retries.
//
// A replica is available when all three of these agree:
//
//   - active health checks (Cluster.Run): GET Health.Path with thresholds
//     for the changes of state; replicas start healthy;
//   - passive outlier ejection, as in Envoy's consecutive-5xx detection:
//     consecutive failed outcomes eject for a growing time, bounded by
//     MaxEjectedPercent so that at least one replica stays in;
//   - a per-replica circuit breaker, as in Envoy and Nygard's Release It!:
//     closed, open on a failure ratio, half-open with a single probe.
//
// When none is available Pick returns nil; there is no Envoy-style panic
// mode that would route to replicas known to be bad (see Pick).
//
// The caller reports what happened to each request through
// Replica.Begin's done func; that is what feeds ejection and the breaker.
package cluster
