/*
 * Promela model of the fixed pool's free list (src/core/fixed_pool.c): the
 * pop P1-P5, the claim F1 and the push F3-F4, step by step, each C atomic
 * operation one atomic statement here. NPROC processes each allocate and
 * free blocks (the first ROUNDS cycles, the others one); the third may also
 * free its block a second time (the racing double free of the issue's
 * defect 10).
 *
 * Properties: no block ever has two owners (assert in claim_won), and a
 * free takes the block only from the allocation it observed when it read the
 * block's word, never from a later one (a racing double free after reuse).
 *
 * Parameters (spin -D...):
 *   TAGBITS  bits of the ABA tag in the head word (0 = no tag at all)
 *   RACER    1: one process also frees its last block again (a misuse)
 *   OLD      1: the design before the fix (P5 a plain store, F1 a retry loop,
 *            F3 plain stores); 0: the shipped design (P5 and F1 exact-word CASes,
 *            F3 retries by CAS)
 *   POISON   1: the free of a poisoning pool (F1 to RELEASING, then F3 a plain
 *            store of the FREE word); 0 (default): the free without poisoning,
 *            whose F1 CAS writes the FREE word with its link at once (F3's
 *            head read comes before it)
 * With TAGBITS=0 the checker must find the double hand-out in OLD and none in
 * the shipped design.
 */
#ifndef TAGBITS
#define TAGBITS 0
#endif
#ifndef OLD
#define OLD 0
#endif
#ifndef POISON
#define POISON 0
#endif
#ifndef NPROC
#define NPROC 3
#endif
#ifndef ROUNDS
#define ROUNDS 2
#endif
#ifndef RACER
#define RACER 1            /* one process also frees a block a second time */
#endif

#define N        3          /* blocks */
#define NIL      N
#define TAGMOD   (1 << TAGBITS)
#define GENMOD   8          /* more than the allocations one run makes: no generation wraps */

#define FREE      0
#define ALLOCATED 1
#define RELEASING 3

/* head word */
byte head_idx = 0;
byte head_tag = 0;
/* metadata word of each block: state, link, generation */
byte st[N];
byte lnk[N];
byte gen[N];
/* who owns each block (for the property), 255 = nobody */
byte holder[N];

init {
    byte i = 0;
    atomic {
        do
        :: i < N -> st[i] = FREE; lnk[i] = i + 1; gen[i] = 0; holder[i] = 255; i++
        :: else -> break
        od;
        run worker(0, ROUNDS);
        run worker(0, 1);
#if NPROC > 2
        run worker(RACER, 1);
#endif
    }
}

inline claim_won(idx) {
    assert(holder[idx] == 255);     /* no second owner, ever */
    holder[idx] = _pid
}

/* allocate: got = block index or NIL */
inline pop(got) {
    byte h_idx, h_tag, w_st, w_lnk, w_gen, ok;
    got = NIL;
    do
    :: atomic { h_idx = head_idx; h_tag = head_tag };                          /* P1 */
       if
       :: h_idx == NIL -> break                                                 /* P2: empty */
       :: else -> skip
       fi;
       atomic { w_st = st[h_idx]; w_lnk = lnk[h_idx]; w_gen = gen[h_idx] };    /* P3 */
       if
       :: w_st != FREE || w_lnk > NIL ->
          if
          :: atomic { head_idx == h_idx && head_tag == h_tag } -> break         /* broken list: empty */
          :: else -> skip                                                       /* stale: again */
          fi
       :: else ->
          atomic {                                                              /* P4 */
              if
              :: head_idx == h_idx && head_tag == h_tag ->
                 head_idx = w_lnk; head_tag = (h_tag + 1) % TAGMOD; ok = 1
              :: else -> ok = 0
              fi
          };
          if
          :: ok ->
#if OLD
             atomic { st[h_idx] = ALLOCATED; gen[h_idx] = (w_gen + 1) % GENMOD; claim_won(h_idx) };  /* P5 store */
             got = h_idx; break
#else
             atomic {                                                           /* P5 CAS */
                 if
                 :: st[h_idx] == w_st && lnk[h_idx] == w_lnk && gen[h_idx] == w_gen ->
                    st[h_idx] = ALLOCATED; gen[h_idx] = (w_gen + 1) % GENMOD; claim_won(h_idx); ok = 1
                 :: else -> ok = 0                                              /* lost: pop again */
                 fi
             };
             if
             :: ok -> got = h_idx; break
             :: else -> skip
             fi
#endif
          :: else -> skip
          fi
       fi
    od
}

/* free block i (owned by the caller, or freed by it before: a stale second free) */
inline push(i) {
    byte w_st, w_gen, h_idx, h_tag, ok, cur_lnk, seen;
    /* F1 read. `seen` is the allocation this free observed: a free acts on
     * that one or on none (for the owner it is itself; for the racer, whoever
     * held the block when its call read the word). */
    atomic { w_st = st[i]; w_gen = gen[i]; seen = holder[i] };
#if OLD
    do
    :: w_st != ALLOCATED -> goto done_free                                      /* double free */
    :: else ->
       atomic {
           if
           :: st[i] == w_st && gen[i] == w_gen ->
              assert(holder[i] == seen);          /* never a later allocation of the block */
              st[i] = FREE; holder[i] = 255; ok = 1
           :: else -> w_st = st[i]; w_gen = gen[i]; ok = 0                      /* retry on the new word */
           fi
       };
       if
       :: ok -> break
       :: else -> skip
       fi
    od;
    do
    :: atomic { h_idx = head_idx; h_tag = head_tag };                           /* F3 */
       lnk[i] = h_idx;
       atomic {                                                                 /* F4 */
           if
           :: head_idx == h_idx && head_tag == h_tag -> head_idx = i; ok = 1
           :: else -> ok = 0
           fi
       };
       if
       :: ok -> break
       :: else -> skip
       fi
    od;
#else
    if
    :: w_st != ALLOCATED -> goto done_free                                      /* double free */
    :: else -> skip
    fi;
#if !POISON
    atomic { h_idx = head_idx; h_tag = head_tag };                              /* F3's head read */
#endif
    atomic {                                                                    /* F1 CAS, once */
        if
        :: st[i] == w_st && gen[i] == w_gen ->
           assert(holder[i] == seen);             /* never a later allocation of the block */
#if POISON
           st[i] = RELEASING; holder[i] = 255; ok = 1
#else
           st[i] = FREE; lnk[i] = h_idx; cur_lnk = h_idx; holder[i] = 255; ok = 1 /* F1 writes F3's word */
#endif
        :: else -> ok = 0                                                       /* double free */
        fi
    };
    if
    :: !ok -> goto done_free
    :: else -> skip
    fi;
#if POISON
    atomic { h_idx = head_idx; h_tag = head_tag };                              /* F3, first: plain */
    atomic { st[i] = FREE; lnk[i] = h_idx; cur_lnk = h_idx };
#endif
    do
    :: atomic {                                                                 /* F4 */
           if
           :: head_idx == h_idx && head_tag == h_tag -> head_idx = i; ok = 1
           :: else -> h_idx = head_idx; h_tag = head_tag; ok = 0
           fi
       };
       if
       :: ok -> break
       :: else ->
          atomic {                                                              /* F3 again, by CAS */
              if
              :: st[i] == FREE && lnk[i] == cur_lnk && gen[i] == w_gen -> lnk[i] = h_idx; cur_lnk = h_idx; ok = 1
              :: else -> ok = 0                                                 /* a pop claimed it */
              fi
          };
          if
          :: !ok -> break
          :: else -> skip
          fi
       fi
    od;
#endif
done_free: skip
}

/* `rounds` allocate+free cycles; a racer also frees its last block once more. */
proctype worker(bit racer; byte rounds) {
    byte r = 0, b, last = NIL;
    do
    :: r < rounds ->
       pop(b);
       if
       :: b != NIL -> push(b); last = b
       :: else -> skip
       fi;
       if
       :: racer && last != NIL -> push(last)    /* misuse: free it again, racing the others */
       :: skip
       fi;
       r++
    :: else -> break
    od
}
