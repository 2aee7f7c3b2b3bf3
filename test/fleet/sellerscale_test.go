package fleet

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/sptest"
)

// What a seller costs at scale (issue 22: 1.42-1.73 KB of Redis, 27-31 KB of
// heap and 2.00 round trips per call once tokens are cached): 1,000 and
// 10,000 sellers in 16 processes, 3 getOrderAddress each through
// HTTPClient, with one Store per process, one Client per seller; first
// each seller's first call (the LWA token and the RDT, fetched once for the
// fleet), then the other two, spread over FLEET_SELLERS_SPREAD (default
// 20 s). Each size runs on a quiet machine and with every core busy (two
// shell loops). It prints, and asserts:
//
//   - Redis bytes per seller: what the fleet's keys hold at rest, once the
//     keys that live seconds (take IDs 5 s, fetch locks, heartbeats 3 s)
//     have expired, Redis's own dictionaries included (used_memory at
//     rest less used_memory once FLUSHALL dropped the keys): at most
//     1.2 KB. It also prints the keys' MEMORY USAGE by kind, which leaves
//     out the dictionaries (about 80 bytes a key), and used_memory grown
//     over the run, at its end and at rest, which adds what Redis holds
//     per server, not per seller (the scripts' cache, the Lua VM);
//   - heap bytes per seller (each process's live heap after the run less
//     once its Clients are dropped, summed, over the sellers): at most 5 KB;
//     it also prints the heap grown since before the Clients, which adds
//     each process's Store and connection pool (64 KB per connection);
//   - round trips per call once tokens are cached (the commands a go-redis
//     hook counted in the second phase, over its calls): at most 1.1;
//   - 0 failed calls, 0 store calls judged failed (fallbacks), one LWA
//     call and one mint per seller.
//
// Opt-in: FLEET_SELLERS=1 (a few minutes); with FLEET_SELLERS_CLUSTER=1
// the same on a Redis Cluster of 3 masters (no replicas), summed over them.
// FLEET_SELLERS_COUNTS picks the
// sizes ("1000,10000" by default).
func TestFleetSellersScale(t *testing.T) {
	if testing.Short() || os.Getenv("FLEET_SELLERS") == "" {
		t.Skip("1,000 and 10,000 sellers in 16 processes, a few minutes: set FLEET_SELLERS=1")
	}
	const procs = 16
	counts := []int{1000, 10000}
	if s := os.Getenv("FLEET_SELLERS_COUNTS"); s != "" {
		counts = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < procs || n%procs != 0 {
				t.Fatalf("FLEET_SELLERS_COUNTS: %q is not a multiple of %d", f, procs)
			}
			counts = append(counts, n)
		}
	}
	spread := 20 * time.Second
	if s := os.Getenv("FLEET_SELLERS_SPREAD"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			t.Fatalf("FLEET_SELLERS_SPREAD: %q is not a duration", s)
		}
		spread = d
	}
	cluster := os.Getenv("FLEET_SELLERS_CLUSTER") != ""
	for _, n := range counts {
		for _, busy := range []bool{false, true} {
			name := fmt.Sprintf("%d sellers", n)
			if cluster {
				name += " on a 3-master Cluster"
			}
			if busy {
				name += ", every core busy"
			}
			t.Run(name, func(t *testing.T) { sellersScale(t, n, procs, spread, busy, cluster) })
		}
	}
}

func sellersScale(t *testing.T, n, procs int, spread time.Duration, busy, cluster bool) {
	rts := sellers(n / procs * procs)
	srv := sptest.Start(t, sptest.Options{Sellers: rts})
	// rdb is every master: one server, or a Cluster's three (no replicas:
	// what a seller costs, not what copies of it cost).
	var rdb nodes
	j := job{Endpoint: srv.URL(), LWA: srv.LWAURL(), Prefix: "spapi:"}
	if cluster {
		cl := redistest.StartClusterOf(t, 3, 0)
		j.Cluster = cl.Addrs()
		for _, m := range cl.Masters() {
			rdb = append(rdb, m.Client(t))
		}
	} else {
		rds := redistest.Start(t)
		j.Redis = rds.Addr()
		rdb = nodes{rds.Client(t)}
	}
	ctx := context.Background()
	before := usedMemory(t, rdb)
	if busy {
		for range 2 {
			spin := exec.Command("sh", "-c", "while :; do :; done")
			if err := spin.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = spin.Process.Kill(); _ = spin.Wait() })
		}
	}
	per := n / procs
	n = per * procs // the sellers served
	j.Mode, j.Calls, j.InFlight, j.Sellers, j.Workers, j.Phased, j.Spread = "address", 3*per, 50, per, procs, true, spread
	run := runFleet(t, procs, j, nil)
	after := usedMemory(t, rdb)
	kinds, _ := memoryByKind(t, rdb)
	// At rest: once the keys that live seconds (take IDs, fetch locks,
	// heartbeats) have expired, what the fleet keeps per seller.
	rest, restKinds, restKeys := after, kinds, int64(0)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		if transientKeys(t, rdb) == 0 {
			rest = usedMemory(t, rdb)
			restKinds, restKeys = memoryByKind(t, rdb)
			if info, err := rdb[0].Info(ctx, "memory").Result(); err == nil {
				var fields []string
				for _, l := range strings.Split(info, "\n") {
					for _, f := range []string{"used_memory:", "used_memory_overhead:", "used_memory_dataset:", "used_memory_scripts:", "used_memory_vm_eval:", "mem_clients_normal:"} {
						if strings.HasPrefix(l, f) {
							fields = append(fields, strings.TrimSpace(l))
						}
					}
				}
				t.Logf("Redis at rest (the first of %d masters), before the run used_memory:%d in all: %s", len(rdb), before, strings.Join(fields, " "))
			}
			break
		}
		time.Sleep(500 * time.Millisecond) // Redis's TTLs, polled
	}
	// What the keys hold, Redis's own dictionaries included: used_memory
	// at rest less once they are gone. The rest of what used_memory grew
	// by (the scripts' cache, the Lua VM, client buffers) is Redis's, per
	// server, not per seller.
	for _, c := range rdb {
		if err := c.FlushAll(ctx).Err(); err != nil {
			t.Fatal(err)
		}
	}
	flushed := usedMemory(t, rdb)
	ok, failed, warnings := run.total()
	var heap, held int64
	var cmds2, calls2 int64
	fallbacks := map[string]int{}
	for _, r := range run.results {
		heap += int64(r.HeapAfter) - int64(r.HeapBefore)
		held += int64(r.HeapAfter) - int64(r.HeapNoClients)
		cmds2 += r.Cmds2
		calls2 += int64(r.Calls2)
		for call, k := range r.Fallbacks {
			fallbacks[call] += k
		}
	}
	redisPer := float64(after-before) / float64(n)
	restPer := float64(rest-before) / float64(n)
	keysPer := float64(restKeys) / float64(n)
	heldPer := float64(rest-flushed) / float64(n)
	heapPer := float64(held) / float64(n)
	procPer := float64(heap) / float64(n)
	trips := float64(cmds2) / float64(max(calls2, 1))
	nfb := 0
	for _, k := range fallbacks {
		nfb += k
	}
	t.Logf("%d sellers in %d processes, 3 getOrderAddress each (busy cores: %v): Redis: %.0f bytes per seller at rest (used_memory less after FLUSHALL; the keys' MEMORY USAGE %.0f: %s), used_memory grown %.0f bytes per seller at the end of the run (%s), %.0f at rest; heap %.0f bytes per seller held by its Client (%.0f with the processes' Store and pools), %.3f round trips per call once tokens are cached (%d commands, %d calls); ok %d, failed %d, warnings %d, store fallbacks %d %v, 429s %d, LWA calls %d, mints %d, wall %v",
		n, procs, busy, heldPer, keysPer, restKinds, redisPer, kinds, restPer, heapPer, procPer, trips, cmds2, calls2, ok, failed, warnings, nfb, fallbacks,
		srv.CallsByStatus("getOrderAddress", 429), srv.LWACalls(), srv.RDTCalls(), run.wall.Round(time.Second))
	_ = ctx
	if failed != 0 || ok != 3*n {
		t.Errorf("%d ok, %d failed; first error: %s", ok, failed, run.firstErr())
	}
	if nfb != 0 {
		t.Errorf("%d store calls judged failed on a healthy Redis (%v), want 0", nfb, fallbacks)
	}
	if srv.LWACalls() != n || srv.RDTCalls() != n {
		t.Errorf("LWA calls %d, mints %d; want %d each (one per seller)", srv.LWACalls(), srv.RDTCalls(), n)
	}
	if heldPer > 1.2*1024 {
		t.Errorf("Redis: the fleet's keys take %.0f bytes per seller at rest, want at most 1.2 KB", heldPer)
	}
	if heapPer > 5*1024 {
		t.Errorf("heap: %.0f bytes per seller, want at most 5 KB", heapPer)
	}
	if trips > 1.1 {
		t.Errorf("%.3f round trips per call once tokens are cached, want at most 1.1", trips)
	}
}

// nodes are the masters the fleet's keys are on: one server, or a
// Cluster's.
type nodes []*redis.Client

// usedMemory is the masters' used_memory, summed.
func usedMemory(t *testing.T, rdb nodes) int64 {
	t.Helper()
	var sum int64
	for _, c := range rdb {
		info, err := c.Info(context.Background(), "memory").Result()
		if err != nil {
			t.Fatal(err)
		}
		n := usedMemoryOf(info)
		if n == 0 {
			t.Fatal("INFO memory: no used_memory")
		}
		sum += n
	}
	return sum
}

// memoryByKind is the mean MEMORY USAGE of the keys of each kind (lwa,
// rdt, rate, members, take IDs) and their count, and the estimated total.
func memoryByKind(t *testing.T, rdb nodes) (string, int64) {
	t.Helper()
	ctx := context.Background()
	sum, count := map[string]int64{}, map[string]int64{}
	var order []string
	for _, c := range rdb {
		iter := c.Scan(ctx, 0, "*", 1000).Iterator()
		for iter.Next(ctx) {
			k := iter.Val()
			kind := k[strings.IndexByte(k, '}')+2:]
			if i := strings.IndexByte(kind, ':'); i >= 0 {
				kind = kind[:i]
			}
			if count[kind] >= 200 { // a sample is enough for a mean
				count[kind]++
				continue
			}
			b, err := c.MemoryUsage(ctx, k).Result()
			if err != nil {
				continue // expired meanwhile
			}
			if _, ok := sum[kind]; !ok {
				order = append(order, kind)
			}
			sum[kind] += b
			count[kind]++
		}
	}
	var parts []string
	var total int64
	for _, k := range order {
		mean := sum[k] / min(count[k], 200)
		total += mean * count[k]
		parts = append(parts, fmt.Sprintf("%s %d × %d B", k, count[k], mean))
	}
	return strings.Join(parts, ", "), total
}

// transientKeys counts the keys that live seconds: take IDs, fetch locks
// and heartbeats.
func transientKeys(t *testing.T, rdb nodes) int {
	t.Helper()
	ctx := context.Background()
	n := 0
	for _, c := range rdb {
		iter := c.Scan(ctx, 0, "*", 1000).Iterator()
		for iter.Next(ctx) {
			if k := iter.Val(); strings.Contains(k, "}:t:") || strings.HasSuffix(k, ":lock") || strings.HasSuffix(k, "}:members") {
				n++
			}
		}
	}
	return n
}
