package agent

import (
	"context"
	"errors"
	"time"

	"github.com/wsgw/wsgw/wsnotify/direct"
)

// Recovery is a receive agent's way back to the broker over HTTP: its
// subscription (granted the direct path, or not) and the pull point that
// is the subscription's consumer.
//
// What it recovers, precisely: for a gap (sequence numbers of one
// session and epoch that the channel lost for good: unrecovered after its
// NAKs, out of the sender's window, lost while demoted, beyond the
// receiver's buffers, a restarted or closed sender), the notifications
// whose first datagram is in it and that the broker's recovery log still
// holds: every notification the broker itself sent on the channel, and
// every one a registered publisher's agent forwarded to it, among the
// newest LogMessages (and LogBytes) of the channel since the broker
// started. Not recovered: what the log no longer holds (older, or before
// a broker restart), what a publisher's agent sent but did not forward
// (its forward queue full, the broker unreachable), sessions of senders
// the broker does not know (an agent configured without a broker), and
// notifications of a gap the broker's pull point bound refused. Each gap
// is counted as recovered whole or not (PosterCounters).
type Recovery struct {
	Client       *Client
	Subscription string // the subscription's manager address
	PullPoint    string
	// Retries and RetryWait: a range that reaches beyond what the broker
	// has logged of its session yet is asked for again, that many times
	// (default 3), so long apart (default 200 ms): a publisher's agent
	// forwards what it sent after sending it.
	Retries   int
	RetryWait time.Duration
	// Timeout bounds one gap's recovery, retries included; default 5 s.
	Timeout time.Duration
}

// Recover asks the broker for the notifications of g, into the pull point.
// A range the broker has not logged to its end yet is asked for again,
// from the first sequence after what it had logged (so nothing is put
// there twice), up to Retries times. It returns the recovered count over
// the tries and whether the gap was covered whole.
func (r *Recovery) Recover(ctx context.Context, g direct.Gap) (recovered int, complete bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, or(r.Timeout, 5*time.Second))
	defer cancel()
	rng := direct.RecoverRange{Session: g.Session, Epoch: g.Epoch, From: g.From, To: g.To}
	complete = true
	for try := 0; ; try++ {
		res, err := r.Client.Recover(ctx, r.Subscription, []direct.RecoverRange{rng})
		if err != nil {
			return recovered, false, err
		}
		if len(res) != 1 {
			return recovered, false, errors.New("Recover: an answer for another number of ranges")
		}
		recovered += res[0].Recovered
		complete = complete && res[0].Complete
		if !res[0].Pending || !complete {
			return recovered, complete, nil
		}
		if try >= or(r.Retries, 3) {
			return recovered, false, nil
		}
		rng.From = max(rng.From, res[0].Logged+1)
		select {
		case <-ctx.Done():
			return recovered, false, ctx.Err()
		case <-time.After(or(r.RetryWait, 200*time.Millisecond)):
		}
	}
}

// Take takes the pull point's messages (GetMessages).
func (r *Recovery) Take(ctx context.Context) ([][]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, or(r.Timeout, 5*time.Second))
	defer cancel()
	return r.Client.GetMessages(ctx, r.PullPoint, 0)
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
