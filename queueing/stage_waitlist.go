package queueing

import "time"

// waiter is one caller queued for a worker slot.
type waiter struct {
	since      time.Time     // when it joined the queue
	ready      chan struct{} // closed when granted a slot
	granted    bool          // set with ready closed; guarded by Stage.mu
	prev, next *waiter
}

// waitList is an intrusive FIFO of waiters with O(1) removal from the
// middle (for callers whose ctx ends). Guarded by Stage.mu.
type waitList struct {
	head, tail *waiter
	len        int
}

func (l *waitList) pushBack(w *waiter) {
	w.prev, w.next = l.tail, nil
	if l.tail == nil {
		l.head = w
	} else {
		l.tail.next = w
	}
	l.tail = w
	l.len++
}

func (l *waitList) popFront() *waiter {
	w := l.head
	if w != nil {
		l.remove(w)
	}
	return w
}

func (l *waitList) remove(w *waiter) {
	if w.prev == nil {
		l.head = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		l.tail = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.prev, w.next = nil, nil
	l.len--
}
