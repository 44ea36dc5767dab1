package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/direct/agent"
	"github.com/wsgw/wsgw/wsnotify/direct/driver"
)

const directUsage = `Usage: wsgw direct send --config FILE
       wsgw direct recv --config FILE

Runs an agent of a direct path (no broker on the data path), like the
daemon of TIBCO Rendezvous beside each program:

  send   takes ordinary WS-Notification Notify requests from publishers on
         loopback (send.listen) and multicasts them to the group (or sends
         them to each joined receiver, transport: unicast), repairing what
         receivers miss within a capped budget.
  recv   joins the group, repairs, and posts each notification as an
         ordinary wsnt:Notify to the consumer (recv.consumer).

The config file format is in README.md ("Direct paths"). On exit the
agent prints its counters as one JSON line to standard output.
`

func cmdDirect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "send" && args[0] != "recv" {
		fmt.Fprint(stderr, directUsage)
		return 2
	}
	role := args[0]
	fs := flag.NewFlagSet("direct "+role, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "direct.yaml", "config file")
	fs.Usage = func() { fmt.Fprint(stderr, directUsage); fs.PrintDefaults() }
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	fd, err := loadDirect(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw:", err)
		return 2
	}
	log, err := newLogger(stderr, fd.Log.Level, fd.Log.Format)
	if err != nil {
		fmt.Fprintf(stderr, "wsgw: config %s:\nlog: %v\n", *configPath, err)
		return 2
	}
	badConfig := func(err error) int {
		fmt.Fprintf(stderr, "wsgw: config %s:\n%v\n", *configPath, err)
		return 2
	}
	if role == "send" {
		return directSend(ctx, fd, log, stdout, stderr, badConfig)
	}
	return directRecv(ctx, fd, log, stdout, stderr, badConfig)
}

func directSend(ctx context.Context, fd *fileDirect, log *slog.Logger, stdout, stderr io.Writer, badConfig func(error) int) int {
	epoch, startAt := senderEpoch(time.Now())
	cfg, nc, listen, err := fd.senderConfig(epoch)
	if err != nil {
		return badConfig(err)
	}
	s, err := driver.NewSender(cfg, nc, log)
	if err != nil {
		return badConfig(directFileKey(err))
	}
	metrics := func() any {
		m, c := s.Metrics()
		return struct {
			Role   string               `json:"role"`
			Engine direct.SenderMetrics `json:"engine"`
			Driver driver.Counters      `json:"driver"`
		}{"send", m, c}
	}
	wait := time.NewTimer(time.Until(startAt)) // a fresh epoch: see senderEpoch
	defer wait.Stop()
	select {
	case <-wait.C:
	case <-ctx.Done():
		return finish(nil, stdout, stderr, metrics())
	}
	ln, err := net.Listen("tcp", listen.String())
	if err != nil {
		fmt.Fprintln(stderr, "wsgw:", err)
		return 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(ctx) }()
	ctl, err := s.Addr(ctx)
	if err != nil {
		ln.Close()
		fmt.Fprintln(stderr, "wsgw:", <-runErr)
		return 1
	}
	mux := http.NewServeMux()
	mux.Handle("/", agent.PublishHandler(s, fd.Send.Limits.toXMLDoc(), log))
	mux.Handle("GET /metrics", metricsHandler(metrics))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown below
	fmt.Fprintf(stdout, "wsgw direct send: publishers on http://%s/, control udp %s, %s\n", ln.Addr(), ctl, describeNet(nc))
	err = <-runErr
	shutdown(srv)
	return finish(err, stdout, stderr, metrics())
}

func directRecv(ctx context.Context, fd *fileDirect, log *slog.Logger, stdout, stderr io.Writer, badConfig func(error) int) int {
	cfg, nc, pol, v, err := fd.receiverConfig()
	if err != nil {
		return badConfig(err)
	}
	poster := agent.NewPoster(fd.Recv.Consumer, v, pol.Client(nil, 30*time.Second), fd.Recv.QueueLen, log)
	rc, err := driver.NewReceiver(cfg, nc, driver.Handlers{
		Deliver: poster.Deliver,
		Gap: func(g direct.Gap) {
			log.Warn("direct: notifications lost; recover them over HTTP (pull point or GetCurrentMessage)",
				"from", g.From, "to", g.To, "epoch", g.Epoch, "reason", g.Reason.String())
		},
		Demoted: func(d direct.Demotion) {
			log.Warn("direct: demoted by the sender; losses are not repaired until then", "reason", d.Reason.String(), "until", d.Until)
		},
	}, log)
	if err != nil {
		return badConfig(directFileKey(err))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go poster.Run(ctx)
	runErr := make(chan error, 1)
	go func() { runErr <- rc.Run(ctx) }()
	local, err := rc.Addr(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw:", <-runErr)
		return 1
	}
	metrics := func() any {
		m, c := rc.Metrics()
		return struct {
			Role   string                 `json:"role"`
			Engine direct.ReceiverMetrics `json:"engine"`
			Driver driver.Counters        `json:"driver"`
			Poster agent.PosterCounters   `json:"poster"`
		}{"recv", m, c, poster.Counters()}
	}
	status := ""
	if fd.Recv.Status != "" {
		ln, err := net.Listen("tcp", fd.Recv.Status)
		if err != nil {
			fmt.Fprintln(stderr, "wsgw:", err)
			return 1
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metricsHandler(metrics))
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln) //nolint:errcheck // ends with Shutdown below
		defer shutdown(srv)
		status = fmt.Sprintf(", status on http://%s/metrics", ln.Addr())
	}
	fmt.Fprintf(stdout, "wsgw direct recv: udp %s, sender %s, consumer %s, %s%s\n", local, nc.Sender, fd.Recv.Consumer, describeNet(nc), status)
	return finish(<-runErr, stdout, stderr, metrics())
}

func describeNet(nc driver.NetConfig) string {
	if nc.Unicast {
		return "unicast"
	}
	ttl := nc.TTL
	if ttl == 0 {
		ttl = 1
	}
	return fmt.Sprintf("group %s ttl %d", nc.Group, ttl)
}

func metricsHandler(metrics func() any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(metrics()) //nolint:errcheck // the client is gone
	})
}

func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(ctx) //nolint:errcheck // best effort at exit
}

// finish prints the final counters and maps the run's error to the exit
// status.
func finish(err error, stdout, stderr io.Writer, metrics any) int {
	b, _ := json.Marshal(metrics)
	fmt.Fprintf(stdout, "wsgw direct: metrics %s\n", b)
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "wsgw:", err)
		return 1
	}
	return 0
}
