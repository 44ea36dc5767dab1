package wsreliable

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files and script expectations")

// TestScripts runs testdata/scripts/*.txt: each block is one command, a
// "----" line, and the output it must produce (see scriptRunner.run).
func TestScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/scripts/*.txt")
	if len(files) == 0 {
		t.Fatal("no scripts")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) { runScript(t, f) })
	}
}

type block struct {
	prelude []string // comments and blank lines before the command
	cmd     string
	want    []string
	line    int
}

func parseScript(t *testing.T, text string) []block {
	var out []block
	var cur block
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			cur.prelude = append(cur.prelude, l)
			continue
		}
		cur.cmd, cur.line = l, i+1
		if i+1 >= len(lines) || lines[i+1] != "----" {
			t.Fatalf("line %d: command without ---- line", i+1)
		}
		for i += 2; i < len(lines) && lines[i] != ""; i++ {
			cur.want = append(cur.want, lines[i])
		}
		out = append(out, cur)
		cur = block{}
	}
	return out
}

func runScript(t *testing.T, path string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blocks := parseScript(t, strings.TrimRight(string(raw), "\n"))
	r := newScriptRunner(t)
	var b strings.Builder
	for i, bl := range blocks {
		got := r.run(bl.cmd)
		if *update {
			if i > 0 {
				b.WriteString("\n")
			}
			for _, p := range bl.prelude {
				b.WriteString(p + "\n")
			}
			b.WriteString(bl.cmd + "\n----\n")
			for _, l := range got {
				b.WriteString(l + "\n")
			}
			continue
		}
		if !slices.Equal(got, bl.want) {
			t.Errorf("%s:%d: %s\ngot:\n%s\nwant:\n%s", path, bl.line, bl.cmd,
				strings.Join(got, "\n"), strings.Join(bl.want, "\n"))
		}
	}
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var scriptEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type scriptRunner struct {
	t     *testing.T
	cfg   Config
	e     *Engine
	now   time.Time
	store map[string][]byte // what the driver persisted
	// scopes are the stored records' scopes; nodes the engines of the
	// nodes sharing store, node the current one (script_nodes_test.go).
	scopes map[string]string
	nodes  map[string]*Engine
	node   string
	// delivered is the application's log, across crashes.
	delivered map[string][]uint64
	// pause: a Ready of the next command is lost (crash before persisting
	// it), the first one after pauseAfter Readies carried out.
	pause      bool
	pauseAfter int
	drop       bool // the next command's Replies and Sends are lost on the wire
	last       string
}

func newScriptRunner(t *testing.T) *scriptRunner {
	r := &scriptRunner{t: t, now: scriptEpoch, store: map[string][]byte{}, delivered: map[string][]uint64{},
		scopes: map[string]string{}, nodes: map[string]*Engine{}}
	r.start()
	return r
}

func (r *scriptRunner) start() {
	e, err := New(r.cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	r.e = e
	e.Tick(r.now)
}

// run executes one command and returns its output lines.
func (r *scriptRunner) run(cmd string) []string {
	fields := strings.Fields(cmd)
	name, args := fields[0], parseArgs(fields[1:])
	switch name {
	case "config":
		return r.config(args)
	case "tick":
		d, err := time.ParseDuration(args.pos(0))
		if err != nil {
			return []string{"error: " + err.Error()}
		}
		r.now = r.now.Add(d)
		r.e.Tick(r.now)
		return r.process()
	case "pause":
		r.pause, r.pauseAfter = true, args.int("after")
		return []string{"ok"}
	case "drop":
		r.drop = true
		return []string{"ok"}
	case "room":
		// The driver's delivery queue takes n more deliveries.
		n, _ := strconv.Atoi(args.pos(0))
		r.e.SetDeliveryRoom(n)
		return r.process()
	case "crash":
		r.e = nil
		delete(r.nodes, r.node)
		return []string{fmt.Sprintf("ok (%d records on disk)", len(r.store))}
	case "restart":
		return r.restart()
	case "delivered":
		return r.deliveredLog()
	case "duplicate":
		return r.run(r.last)
	case "node", "adopt", "release", "records":
		return r.nodeCommand(name, args) // script_nodes_test.go
	}
	ev, err := r.event(name, args)
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	r.last = cmd
	if err := r.e.Step(ev); err != nil {
		return []string{"error: " + err.Error()}
	}
	return r.process()
}

func (r *scriptRunner) config(a args) []string {
	r.cfg = Config{
		InOrder: a.has("inorder"), RefuseCallback: a.has("refuse-callback"),
		RefusePoll: a.has("refuse-poll"), RefuseOrdering: a.has("refuse-ordering"),
		MaxHeld: a.int("maxheld"), MaxGroups: a.int("maxgroups"), MaxGroupsPerCaller: a.int("percaller"),
		MaxRetransmits: a.int("maxretries"), SendWindow: a.int("window"), MaxBacklog: a.int("maxbacklog"),
		MaxMessageNumber: uint64(a.int("maxnumber")), SequenceExpires: a.dur("expires"),
		IdleTimeout: a.dur("idle"), DupWindow: a.dur("dupwindow"),
		MaxRelease: a.int("maxrelease"), MaxKeep: a.dur("maxkeep"), OutboundIdle: a.dur("outidle"),
	}
	switch a["assurance"] {
	case "AtLeastOnce":
		r.cfg.Assurance = AtLeastOnce
	case "AtMostOnce":
		r.cfg.Assurance = AtMostOnce
	}
	switch a["incomplete"] {
	case "DiscardFollowingFirstGap":
		r.cfg.Incomplete = DiscardFollowingFirstGap
	case "DiscardEntireSequence":
		r.cfg.Incomplete = DiscardEntireSequence
	}
	r.start()
	return []string{"ok"}
}

func (r *scriptRunner) restart() []string {
	r.start()
	recs := make([]Record, 0, len(r.store))
	for _, k := range sortedKeys(r.store) {
		if key, ok := r.ownKey(k); ok {
			recs = append(recs, Record{Key: key, Value: r.store[k]})
		}
	}
	if err := r.e.Restore(recs); err != nil {
		return []string{"error: " + err.Error()}
	}
	return append([]string{fmt.Sprintf("restored %d records", len(recs))}, r.process()...)
}

func (r *scriptRunner) deliveredLog() []string {
	var out []string
	for _, g := range sortedKeys(r.delivered) {
		ns := r.delivered[g]
		parts := make([]string, len(ns))
		for i, n := range ns {
			parts[i] = u64(n)
		}
		out = append(out, g+": "+strings.Join(parts, ","))
	}
	if len(out) == 0 {
		out = []string{"nothing"}
	}
	return out
}

// process carries out every Ready as a driver would: persist, then
// replies, sends and deliveries.
func (r *scriptRunner) process() []string {
	var out []string
	for r.e.HasReady() {
		rd := r.e.Ready()
		if r.pause && r.pauseAfter > 0 {
			r.pauseAfter--
		} else if r.pause {
			out = append(out, "(lost: crash before persisting)")
			r.pause = false
			r.e.Advance()
			r.e = nil
			return out
		}
		out = append(out, r.persist(rd.Persist)...)
		if r.drop {
			out = append(out, fmt.Sprintf("(lost on the wire: %d replies, %d sends)", len(rd.Replies), len(rd.Send)))
		} else {
			for _, rp := range rd.Replies {
				out = append(out, fmtReply(rp))
			}
			for _, o := range rd.Send {
				out = append(out, "send "+fmtOut(o))
			}
		}
		for _, d := range rd.Deliver {
			r.delivered[d.Group] = append(r.delivered[d.Group], d.Number)
			out = append(out, fmt.Sprintf("deliver %s#%d %s", d.Group, d.Number, d.Payload))
		}
		for _, f := range rd.Fates {
			out = append(out, fmtFate(f))
		}
		r.e.Advance()
	}
	r.drop = false
	if len(out) == 0 {
		out = []string{"nothing"}
	}
	return out
}

func (r *scriptRunner) persist(recs []Record) []string {
	if len(recs) == 0 {
		return nil
	}
	parts := make([]string, len(recs))
	for i, rec := range recs {
		k := strings.ReplaceAll(rec.Key, "\n", "#")
		sk := r.storeKey(rec)
		if rec.Value == nil {
			delete(r.store, sk)
			delete(r.scopes, sk)
			parts[i] = "-" + k
		} else {
			r.store[sk], r.scopes[sk] = rec.Value, rec.Scope
			parts[i] = "+" + k
		}
	}
	return []string{"persist " + strings.Join(parts, " ")}
}

func fmtFate(f Fate) string {
	token := f.Token
	if token == "" {
		token = `""`
	}
	s := fmt.Sprintf("fate %s %s to=%s", token, f.Kind, f.To)
	if f.Local != "" {
		s += fmt.Sprintf(" %s#%d", f.Local, f.Number)
	}
	if f.Reason != "" {
		s += ": " + f.Reason
	}
	return s
}

func fmtReply(rp Reply) string {
	s := fmt.Sprintf("reply ref=%d %s", rp.Ref, rp.Kind)
	if rp.Proto == RM200502 {
		s = fmt.Sprintf("reply ref=%d %s(2005/02)", rp.Ref, rp.Kind)
	}
	switch rp.Kind {
	case ReplyCreated:
		s += fmt.Sprintf(" %s expires=%v incomplete=%v offer=%v", rp.Group, rp.Expires, rp.Incomplete, rp.AcceptOffer)
	case ReplyFault:
		s += " " + rp.Fault.Code.String()
		if rp.Fault.Group != "" {
			s += " group=" + rp.Fault.Group
		}
		if rp.Fault.Code == CreateSequenceRefused {
			s += " (" + rp.Fault.Why + ")"
		}
	case ReplyPending:
		if rp.Pending != nil {
			s += " " + fmtOut(*rp.Pending)
		}
		if rp.MorePending {
			s += " more"
		}
	}
	if rp.Meta != nil {
		s += " meta=" + string(rp.Meta)
	}
	return s + fmtAcks(rp.Acks)
}

func fmtOut(o Outbound) string {
	s := fmt.Sprintf("%s to=%s", o.Kind, o.To)
	if o.Proto == RM200502 {
		s = fmt.Sprintf("%s(2005/02) to=%s", o.Kind, o.To)
	}
	if o.Group != "" {
		s += " seq=" + o.Group
	}
	if o.Kind == OutCreate || o.Group == "" && o.Local != "" {
		s += " local=" + o.Local
	}
	if o.Kind == OutMessage {
		s += fmt.Sprintf(" n=%d %s", o.Number, o.Payload)
	}
	if o.Kind == OutClose || o.Kind == OutTerminate {
		s += fmt.Sprintf(" last=%d", o.LastMsgNumber)
	}
	if o.Attempt > 1 {
		s += fmt.Sprintf(" try=%d", o.Attempt)
	}
	if o.AckRequested {
		s += " ackreq"
	}
	if o.Fault != nil {
		s += " fault=" + o.Fault.Code.String()
	}
	if o.Meta != nil {
		s += " meta=" + string(o.Meta)
	}
	return s + fmtAcks(o.Acks)
}

func fmtAcks(acks []Ack) string {
	if len(acks) == 0 {
		return ""
	}
	parts := make([]string, len(acks))
	for i, a := range acks {
		p := a.Group + ":" + a.Ranges.String()
		if a.NonSequence {
			p += " nonseq"
		}
		if a.Final {
			p += " final"
		}
		for _, f := range a.Faults {
			p += " " + f.Range.String() + "=" + f.Code.String()
		}
		parts[i] = p
	}
	return " acks=[" + strings.Join(parts, "; ") + "]"
}

type args map[string]string

func parseArgs(fields []string) args {
	a := args{}
	for i, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			a["#"+strconv.Itoa(i)] = f
			a[f] = "true"
			continue
		}
		if old, dup := a[k]; dup {
			v = old + " " + v
		}
		a[k] = v
	}
	return a
}

func (a args) pos(i int) string  { return a["#"+strconv.Itoa(i)] }
func (a args) has(k string) bool { return a[k] == "true" }
func (a args) int(k string) int  { n, _ := strconv.Atoi(a[k]); return n }
func (a args) u64(k string) uint64 {
	n, _ := strconv.ParseUint(a[k], 10, 64)
	return n
}
func (a args) dur(k string) time.Duration { d, _ := time.ParseDuration(a[k]); return d }

// bytes is the value of k, nil when absent.
func (a args) bytes(k string) []byte {
	if v, ok := a[k]; ok {
		return []byte(v)
	}
	return nil
}
