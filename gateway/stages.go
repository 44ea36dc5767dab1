package gateway

import (
	"context"
	"net/http"

	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/queueing"
)

// The gateway's stages (SEDA; package queueing): every piece of work a
// client can cause runs in one, with its own bounded workers and admission:
//
//   - "read": reads and checks envelopes, decides where they go (gateway-
//     wide, Config.ReadStage; see handleSOAP);
//   - "dispatch/<service>/<partition>": forwards to one partition of a
//     service's cluster, with an adaptive concurrency limit learned from
//     the partition's round trips (ServiceConfig.Stage; forward.go reports
//     each try's round trip);
//   - "reliable/<service>": hands requests to the service's reliable
//     messaging driver (ServiceConfig.ReliableStage);
//   - "wsn": the WS-Notification broker's endpoints (Config.BrokerStage).
//
// A refused request gets 503, Retry-After and a wsgw:Busy fault at once.
// newStage registers each stage for metrics and shutdown; a stage for a new
// kind of work (per caller, say) is one more newStage call.

// newStage builds a stage the gateway reports and closes.
func (g *Gateway) newStage(cfg queueing.StageConfig) (*queueing.Stage, error) {
	st, err := queueing.NewStage(cfg)
	if err != nil {
		return nil, err
	}
	g.stages = append(g.stages, st)
	return st, nil
}

// newServiceStages builds the dispatch stage of each partition of s and,
// for a reliable service, its reliable stage.
func (g *Gateway) newServiceStages(s *service, path fielderr.Path) error {
	s.parts = make(map[*cluster.Partition]*queueing.Stage, len(s.cluster.Partitions()))
	for _, p := range s.cluster.Partitions() {
		cfg := s.cfg.Stage
		cfg.Name = s.cfg.Stage.Name + "/" + p.Name()
		st, err := g.newStage(cfg)
		if err != nil {
			return fielderr.At(path.Field("Stage"), err)
		}
		s.parts[p] = st
	}
	if s.cfg.Reliable != nil {
		st, err := g.newStage(s.cfg.ReliableStage)
		if err != nil {
			return fielderr.At(path.Field("ReliableStage"), err)
		}
		s.reliable = st
	}
	return nil
}

// staged runs h in st: a request the stage refuses is answered with 503,
// Retry-After and a Busy fault in the SOAP version its Content-Type names.
func (g *Gateway) staged(st *queueing.Stage, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := st.Do(r.Context(), func(context.Context) { h.ServeHTTP(w, r) })
		if err != nil {
			g.refused(w, r, nil, err)
		}
	})
}

// closeStages stops every stage, letting admitted work finish.
func (g *Gateway) closeStages() {
	for _, st := range g.stages {
		st.Close()
	}
}
