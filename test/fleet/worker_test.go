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
	if j.Redis != "" {
		rdb := redis.NewClient(&redis.Options{Addr: j.Redis, ContextTimeoutEnabled: true})
		defer rdb.Close()
		takes = &takeTimes{Store: redisstore.New(rdb, redisstore.WithPrefix(j.Prefix))}
		cfg.Store = takes
	}
	if len(j.Cluster) > 0 {
		rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: j.Cluster})
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
	work := make(chan int, j.Calls)
	for i := range j.Calls {
		work <- i
	}
	close(work)
	var wg sync.WaitGroup
	for range j.InFlight {
		wg.Go(func() {
			for i := range work {
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
	res := result{First: first.Load(), Last: last.Load(), OK: int(ok.Load()), Failed: int(failed.Load()),
		Retries429: int(retries429.Load()), Warnings: int(warnings.Load()), FirstErr: firstErr, LastStart: lastStart.Load()}
	res.Fallbacks = fallbacks()
	at429.Lock()
	res.At429 = at429.at
	at429.Unlock()
	if takes != nil {
		res.Takes = takes.times()
	}
	return res, nil
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
