/*
 * Promela model of the manager's WAIT strategy (src/core/manager_strategies.c
 * modesp_mgr_wait_for_block_, and the free in src/core/manager.c): a waiter
 * counts itself in `waiters`, then reads the wait queue's sequence, then tries
 * the pool, then sleeps until the sequence moves; a freer pushes its block,
 * then signals (advances the sequence) when it sees a waiter. The pool's push
 * and pop and the waiter count are SEQ_CST in the C code, which is what
 * Promela's interleaving semantics model.
 *
 * Property: no lost wake-up. A waiter asleep while a block is free, with no
 * signal to come, is a process stuck outside its end state: spin reports it
 * as an invalid end state. The deadline of the real WAIT is left out, so a
 * lost wake-up shows as a hang instead of a late return.
 *
 * -DNO_SIGNAL=1 drops the freer's signal (a mutation the check must catch).
 */
#ifndef NO_SIGNAL
#define NO_SIGNAL 0
#endif
#define NW 2 /* waiters */
#define NF 2 /* freers, one block each */

byte free_blocks = 0; /* blocks on the free list */
byte waiters = 0;
byte seq = 0;         /* the wait queue's sequence number */

proctype waiter() {
    byte seen;
    bit got = 0;
    waiters++;
    do
    :: seen = seq;                                                  /* modesp_port_waitq_seq */
       atomic {                                                     /* take_class: pop */
           if
           :: free_blocks > 0 -> free_blocks--; got = 1
           :: else -> got = 0
           fi
       };
       if
       :: got -> break
       :: else -> (seq != seen)                                     /* modesp_port_waitq_wait: sleep until it moves */
       fi
    od;
    waiters--
}

proctype freer() {
    free_blocks++;                                                  /* the pool's push (SEQ_CST) */
#if !NO_SIGNAL
    if
    :: waiters > 0 -> seq++                                         /* modesp_port_waitq_signal */
    :: else -> skip
    fi
#endif
}

init {
    atomic {
        run waiter(); run waiter();
        run freer(); run freer()
    }
}
