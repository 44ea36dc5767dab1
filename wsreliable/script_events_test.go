package wsreliable

import (
	"fmt"
	"strings"
	"time"

	"github.com/wsgw/wsgw/caller"
)

// event builds the engine event of a script command.
func (r *scriptRunner) event(name string, a args) (Event, error) {
	ref, meta := a.u64("ref"), a.bytes("meta")
	switch name {
	case "create":
		return CreateSequence{Ref: ref, Proto: a.rm(), NewID: a["id"], AcksTo: a["acksto"], Offer: a["offer"],
			OfferEndpoint: a["offerto"], Expires: a.dur("expires"), Meta: meta, Caller: caller.ID(a["caller"])}, nil
	case "send":
		// last: WS-RM February 2005 LastMessage; control: its empty-bodied
		// message of the LastMessage action.
		return Message{Ref: ref, Proto: a.rm(), Group: a["seq"], Number: a.u64("n"),
			Payload: []byte(a["data"]), AckRequested: a.has("ackreq"), Meta: meta,
			Last: a.has("last") || a.has("control"), Control: a.has("control"), Caller: caller.ID(a["caller"])}, nil
	case "rel":
		return r.relEvent(ref, a)
	case "ackreq":
		return AckRequest{Ref: ref, Proto: a.rm(), Group: a["seq"], Caller: caller.ID(a["caller"])}, nil
	case "close":
		return Close{Ref: ref, Group: a["seq"], LastMsgNumber: a.u64("last"), Caller: caller.ID(a["caller"])}, nil
	case "terminate":
		return Terminate{Ref: ref, Proto: a.rm(), Group: a["seq"], LastMsgNumber: a.u64("last"), Caller: caller.ID(a["caller"])}, nil
	case "poll":
		p := PollRequest{Ref: ref, ReplyTo: a["replyto"], Meta: meta, Caller: caller.ID(a["caller"])}
		for _, g := range strings.Fields(a["group"]) {
			id, rs, _ := strings.Cut(g, "@")
			set, ok := ParseRangeSet(rs)
			if !ok {
				return nil, fmt.Errorf("bad ranges %q", rs)
			}
			p.Refs = append(p.Refs, PollRef{Group: id, Ranges: set})
		}
		return p, nil
	case "mc":
		return MakeConnection{Ref: ref, Address: a["addr"]}, nil
	case "plain":
		return NotReliable{Ref: ref}, nil
	case "failed":
		return ProcessingFailed{Group: a["group"], Number: a.u64("n"), Permanent: a.has("permanent")}, nil
	case "submit":
		// "_" stands for a space in the payload.
		return Submit{Token: a["token"], To: a["to"], Key: a["key"], Action: a["action"], Payload: []byte(strings.ReplaceAll(a["data"], "_", " ")), Meta: meta}, nil
	case "forget":
		return Forget{Token: a["token"]}, nil
	case "created":
		return Created{Local: a["local"], ID: a["id"], Refused: a.has("refused")}, nil
	case "ack":
		set, ok := ParseRangeSet(a["ranges"])
		if !ok {
			return nil, fmt.Errorf("bad ranges %q", a["ranges"])
		}
		ev := AckReceived{Ref: ref, Proto: a.rm(), Group: a["seq"], Ranges: set, Final: a.has("final"), Caller: caller.ID(a["caller"])}
		if n := a.u64("nack"); n != 0 {
			ev.Nacks = []uint64{n}
		}
		return ev, nil
	case "peerfault":
		return PeerFault{Group: a["seq"], Code: xmlNameLocal(a["code"])}, nil
	case "finish":
		return Finish{To: a["to"], Key: a["key"]}, nil
	}
	return nil, fmt.Errorf("unknown command %q", name)
}

// relEvent builds a WS-Reliability message: times are relative to the
// script clock ("+60s").
func (r *scriptRunner) relEvent(ref uint64, a args) (Event, error) {
	at := func(k string) time.Time {
		v := a[k]
		if v == "" {
			return time.Time{}
		}
		d, _ := time.ParseDuration(strings.TrimPrefix(v, "+"))
		return r.now.Add(d)
	}
	m := Message{Ref: ref, Proto: Rel, Group: a["group"], Number: a.u64("n"), Last: a.has("last"),
		NoSequenceNum: a.has("nonseq"), AckRequested: a.has("ack"), Payload: []byte(a["data"]),
		Expiry: at("expiry"), GroupExpiry: at("gexpiry"), GroupMaxIdle: a.dur("idle"),
		ReplyTo: a["replyto"], DupElim: a.has("dup"), Ordered: a.has("ordered"), Meta: a.bytes("meta"),
		Caller: caller.ID(a["caller"])}
	switch a["pattern"] {
	case "", "Response":
	case "Callback":
		m.ReplyPattern = Callback
	case "Poll":
		m.ReplyPattern = Poll
	default:
		m.ReplyPattern = 9
	}
	return m, nil
}

// rm is the WS-RM version a command names: v=200502 for February 2005,
// else 1.2.
func (a args) rm() Protocol {
	if a["v"] == "200502" {
		return RM200502
	}
	return RM
}

func xmlNameLocal(local string) FaultCode {
	for i := range faultTable {
		if FaultCode(i).String() == local {
			return FaultCode(i)
		}
	}
	return NoFault
}
