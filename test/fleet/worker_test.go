package fleet

// The worker: this test binary, started again with FLEET_WORKER set, is one
// process of a fleet. It reads its job from FLEET_JOB (JSON), makes a
// client with a redisstore Store, waits for the common start time, makes
// its calls, and prints what it saw as JSON on stdout.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/testproc"
	"github.com/spapi-go/spapi/redisstore"
	"github.com/spapi-go/spapi/sptest"
	"github.com/spapi-go/spapi/store"
)

const workerEnv = "FLEET_WORKER"

// job is what a worker is asked to do.
type job struct {
	Endpoint, LWA string
	Redis         string // host:port; "" for no store
	// Cluster, if set, are the nodes of a Redis Cluster to use instead of
	// Redis, with go-redis's default cluster options.
	Cluster  []string
	Prefix   string
	Mode     string // "tokens": createRestrictedDataToken; "address": getOrderAddress via HTTPClient
	Calls    int
	InFlight int
	Worker   int
	// Sellers, if set, makes the worker serve that many sellers (refresh
	// tokens sellers(Sellers*Workers)[Worker*Sellers:]), one Client each
	// on one Store; call i goes to seller i % Sellers.
	Sellers, Workers int
	StoreTimeout     time.Duration // Config.StoreTimeout; 0: the default
	// Phased, with Sellers, makes each seller's first call first (the
	// fetches: LWA token, RDT), then the rest, started evenly over
	// Spread, counting the Redis commands each phase sent (Cmds) and the
	// heap the Clients hold (Heap).
	Phased bool
	Spread time.Duration
}

// result is what a worker saw.
type result struct {
	First, Last int64 // Unix nanoseconds of the first call's start and the last call's end
	OK, Failed  int
	Retries429  int
	At429       []int64 // Unix ns of each 429 retry
	Warnings    int
	FirstErr    string
	// LastStart is when the last call started (Unix ns); Takes are when
	// each Take from a shared bucket was answered (Unix ns), in order.
	LastStart int64
	Takes     []int64
	Fallbacks map[string]int // Store calls answered from in-process state, by call (see fallbackCounter)
	// With Phased: the Redis commands (round trips: a pipeline counts
	// once) sent in each phase, the calls of the second, and the live heap
	// before the Clients were made and after the run (after a GC).
	Cmds1, Cmds2 int64
	Calls2       int
	// HeapNoClients is the live heap once the Clients are dropped: the
	// process's Store, connection pool and the rest, which no seller adds.
	HeapBefore, HeapAfter, HeapNoClients uint64
}

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) != "" {
		os.Exit(runWorker())
	}
	os.Exit(m.Run())
}

func runWorker() int {
	var j job
	if err := json.Unmarshal([]byte(os.Getenv("FLEET_JOB")), &j); err != nil {
		fmt.Fprintln(os.Stderr, "worker: bad FLEET_JOB:", err)
		return 2
	}
	res, err := work(j, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// work runs a job; logs go to logw.
func work(j job, logw io.Writer) (result, error) {
	var warnings atomic.Int32
	cfg := client.Config{
		ClientID: sptest.ClientID, ClientSecret: sptest.ClientSecret, RefreshToken: sptest.RefreshToken,
		Endpoint: j.Endpoint, LWAEndpoint: j.LWA,
		Logger: countingLogger(logw, &warnings), // retries and waits: the defaults
	}
	cfg.StoreTimeout = j.StoreTimeout
	mp, fallbacks := fallbackCounter()
	cfg.MeterProvider = mp
	var retries429 atomic.Int32
	var at429 struct {
		sync.Mutex
		at []int64
	}
	var takes *takeTimes
	cfg.OnRetry = func(ri client.RetryInfo) {
		if ri.StatusCode == http.StatusTooManyRequests {
			retries429.Add(1)
			at429.Lock()
			at429.at = append(at429.at, time.Now().UnixNano())
			at429.Unlock()
		}
	}
	var cmds cmdCounter
	var res result
	if os.Getenv("FLEET_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 512
	}
	if j.Phased {
		res.HeapBefore = liveHeap()
	}
	if j.Redis != "" {
		rdb := redis.NewClient(&redis.Options{Addr: j.Redis, ContextTimeoutEnabled: true})
		rdb.AddHook(&cmds)
		defer rdb.Close()
		takes = &takeTimes{Store: redisstore.New(rdb, redisstore.WithPrefix(j.Prefix))}
		cfg.Store = takes
	}
	if len(j.Cluster) > 0 {
		rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: j.Cluster})
		rdb.AddHook(&cmds)
		defer rdb.Close()
		takes = &takeTimes{Store: redisstore.New(rdb, redisstore.WithPrefix(j.Prefix))}
		cfg.Store = takes
	}
	cs := []*client.Client{}
	if j.Sellers == 0 {
		c, err := client.New(cfg)
		if err != nil {
			return result{}, err
		}
		cs = append(cs, c)
	}
	for _, rt := range sellers(j.Sellers * j.Workers)[j.Worker*j.Sellers : (j.Worker+1)*j.Sellers] {
		cfg := cfg
		cfg.RefreshToken = rt
		c, err := client.New(cfg)
		if err != nil {
			return result{}, err
		}
		cs = append(cs, c)
	}
	testproc.AwaitStart()

	var (
		ok, failed  atomic.Int32
		first, last atomic.Int64
		lastStart   atomic.Int64
		errOnce     sync.Once
		firstErr    string
	)
	run := func(from, to int, spread time.Duration) {
		work := make(chan int, to-from)
		for i := from; i < to; i++ {
			work <- i
		}
		close(work)
		start := time.Now()
		var wg sync.WaitGroup
		for range j.InFlight {
			wg.Go(func() {
				for i := range work {
					if spread > 0 {
						// Pacing a load, not waiting for an event.
						time.Sleep(time.Until(start.Add(spread * time.Duration(i-from) / time.Duration(to-from))))
					}
					first.CompareAndSwap(0, time.Now().UnixNano())
					if now := time.Now().UnixNano(); now > lastStart.Load() {
						lastStart.Store(now) // racy max, as for last
					}
					err := call(cs[i%len(cs)], j, i)
					if now := time.Now().UnixNano(); now > last.Load() {
						last.Store(now) // racy max is fine: the calls end far apart
					}
					if err != nil {
						failed.Add(1)
						errOnce.Do(func() { firstErr = err.Error() })
						continue
					}
					ok.Add(1)
				}
			})
		}
		wg.Wait()
	}
	if j.Phased {
		run(0, min(len(cs), j.Calls), 0)
		res.Cmds1 = cmds.n.Load()
		run(min(len(cs), j.Calls), j.Calls, j.Spread)
		res.Cmds2 = cmds.n.Load() - res.Cmds1
		res.Calls2 = max(j.Calls-len(cs), 0)
		res.HeapAfter = liveHeap()
		if f := os.Getenv("FLEET_HEAPPROFILE"); f != "" && j.Worker == 0 {
			if w, err := os.Create(f); err == nil {
				_ = pprof.WriteHeapProfile(w)
				w.Close()
			}
		}
		cs = nil // what the Clients held, apart from the process's Store and pool
		res.HeapNoClients = liveHeap()
	} else {
		run(0, j.Calls, 0)
	}
	res.First, res.Last, res.OK, res.Failed = first.Load(), last.Load(), int(ok.Load()), int(failed.Load())
	res.Retries429, res.Warnings, res.FirstErr, res.LastStart = int(retries429.Load()), int(warnings.Load()), firstErr, lastStart.Load()
	res.Fallbacks = fallbacks()
	at429.Lock()
	res.At429 = at429.at
	at429.Unlock()
	if takes != nil {
		res.Takes = takes.times()
	}
	return res, nil
}

// liveHeap is the heap in use once garbage is collected.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// cmdCounter is a go-redis hook that counts round trips: each command,
// and each pipeline once.
type cmdCounter struct{ n atomic.Int64 }

func (c *cmdCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *cmdCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *cmdCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// takeTimes is a redisstore Store that notes when each TakeBucket was
// answered: the fault tests tell from it when a process shared its budget
// again after Redis came back.
type takeTimes struct {
	*redisstore.Store
	mu sync.Mutex
	at []int64
}

func (s *takeTimes) TakeBucket(ctx context.Context, key string, p client.BucketPlan, maxWait time.Duration, seen client.BucketView) (client.BucketTake, error) {
	r, err := s.Store.TakeBucket(ctx, key, p, maxWait, seen)
	if err == nil {
		s.mu.Lock()
		s.at = append(s.at, time.Now().UnixNano())
		s.mu.Unlock()
	}
	return r, err
}

func (s *takeTimes) TakeFleetBucket(ctx context.Context, key string, p client.BucketPlan, maxWait time.Duration, seen client.BucketView, o store.TakeOptions) (client.BucketTake, error) {
	r, err := s.Store.TakeFleetBucket(ctx, key, p, maxWait, seen, o)
	if err == nil {
		s.mu.Lock()
		s.at = append(s.at, time.Now().UnixNano())
		s.mu.Unlock()
	}
	return r, err
}

func (s *takeTimes) times() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.at...)
}

// call makes call i of a job.
func call(c *client.Client, j job, i int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch j.Mode {
	case "tokens":
		_, err := c.CreateRestrictedDataToken(ctx, client.CreateRestrictedDataTokenRequest{
			RestrictedResources: []client.RestrictedResource{{Method: client.MethodGET, Path: "/orders/v0/orders/{orderId}/address"}}})
		return err
	case "address":
		url := fmt.Sprintf("%s/orders/v0/orders/902-%07d-%07d/address", j.Endpoint, j.Worker, i)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := c.HTTPClient().Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("getOrderAddress: HTTP %d", resp.StatusCode)
		}
		return nil
	}
	return fmt.Errorf("unknown mode %q", j.Mode)
}
