package gateway

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"sort"

	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsdl"
)

// service is one configured service: its WSDL, dispatch table, cluster and
// dispatch stage.
type service struct {
	cfg         ServiceConfig
	log         *slog.Logger
	limits      xmldoc.Limits
	defs        *wsdl.Definitions
	wsdlName    string // the wsdl:service local name
	dispatch    *wsdl.Dispatch
	unmatched   *wsdl.Operation // stands for requests forwarded under UnmatchedForward
	versions    [3]bool         // indexed by soap.Version: the versions the bindings accept
	understands map[xml.Name]bool
	keys        *xmldoc.XPath // the partition key; nil without one
	cluster     *cluster.Cluster
	parts       map[*cluster.Partition]*queueing.Stage // each partition's dispatch stage; see stages.go
	reliable    *queueing.Stage                        // the reliable driver's stage; nil when not reliable
	pubs        *pubCache
}

// newService loads the WSDL of cfg (already defaulted and validated) and
// builds the service. Its errors are *fielderr.Error values under path,
// cfg's field path.
func newService(ctx context.Context, cfg ServiceConfig, path fielderr.Path, g *Gateway) (*service, error) {
	s := &service{cfg: cfg, log: g.log.With("service", cfg.Name), limits: g.limits,
		unmatched: &wsdl.Operation{Name: unmatchedOperation}}
	defs, err := wsdl.Load(ctx, cfg.WSDL, wsdl.LoadOptions{})
	if err != nil {
		return nil, fielderr.At(path.Field("WSDL"), err)
	}
	s.defs = defs
	if s.wsdlName, err = serviceName(defs, cfg.WSDLService); err != nil {
		return nil, fielderr.At(path.Field("WSDLService"), err)
	}
	if s.dispatch, err = newDispatch(defs, cfg.WSDLService, s.log); err != nil {
		return nil, fielderr.Errorf(path, "building dispatch table: %w", err)
	}
	if err := s.checkOperations(path); err != nil {
		return nil, err
	}
	s.understands = make(map[xml.Name]bool, len(cfg.UnderstoodHeaders))
	for _, h := range cfg.UnderstoodHeaders {
		n, _ := parseClark(h) // validated
		s.understands[n] = true
	}
	if cfg.Key.XPath != "" {
		if s.keys, err = xmldoc.CompileXPath(cfg.Key.XPath, cfg.Key.Namespaces); err != nil {
			return nil, fielderr.Errorf(path.Field("Key").Field("XPath"), "%q does not compile: %w", cfg.Key.XPath, err)
		}
	}
	if s.pubs, err = newPubCache(defs, s.wsdlName, g.cfg.PublicURL+"/services/"+cfg.Name); err != nil {
		return nil, fielderr.Errorf(path, "publishing wsdl: %w", err)
	}
	if s.cluster, err = cluster.New(cfg.Cluster, g.healthClient, s.log); err != nil {
		return nil, fielderr.At(path.Field("Cluster"), err)
	}
	if err := g.newServiceStages(s, path); err != nil {
		return nil, err
	}
	return s, nil
}

// newDispatch builds the dispatch table. A WSDL whose operations are
// ambiguous by some key still gets its table: the ambiguities are logged
// when it loads, and a request whose keys cannot tell the operations apart
// gets a fault (wsdl.ErrAmbiguous) when it comes.
func newDispatch(defs *wsdl.Definitions, name string, log *slog.Logger) (*wsdl.Dispatch, error) {
	t, err := wsdl.NewDispatch(defs, name)
	var amb *wsdl.AmbiguityError
	if errors.As(err, &amb) && t != nil {
		level := slog.LevelWarn
		if amb.Indistinguishable() {
			level = slog.LevelError // some operations cannot be reached at all
		}
		log.Log(context.Background(), level, "ambiguous operations in the WSDL", "err", amb)
		return t, nil
	}
	return t, err
}

// checkOperations fills s.versions and checks that every configured
// operation exists.
func (s *service) checkOperations(path fielderr.Path) error {
	names := make(map[string]bool)
	for _, op := range s.dispatch.Operations() {
		names[op.Name] = true
		if op.Version == soap.V11 || op.Version == soap.V12 {
			s.versions[op.Version] = true
		}
	}
	if !s.versions[soap.V11] && !s.versions[soap.V12] {
		return fielderr.Errorf(path.Field("WSDL"), "service %s has no SOAP 1.1 or 1.2 operation", s.wsdlName)
	}
	var missing []string
	for name := range s.cfg.Operations {
		if !names[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	var l fielderr.List
	for _, name := range missing {
		l.Add(path.Field("Operations").Key(name), "no such operation in service %s", s.wsdlName)
	}
	return validationError(&l)
}

// serviceName resolves the wsdl:service local name ("" picks the only one).
func serviceName(defs *wsdl.Definitions, name string) (string, error) {
	if name != "" {
		for _, svc := range defs.Services {
			if svc.Name.Local == name {
				return name, nil
			}
		}
		return "", fmt.Errorf("no wsdl:service %q", name)
	}
	if len(defs.Services) != 1 {
		return "", fmt.Errorf("the WSDL has %d services; name one", len(defs.Services))
	}
	return defs.Services[0].Name.Local, nil
}
