package redisstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/redisstore"
)

// A fleet shares one Redis: every process makes its Store the same way.
// (Not run: it needs a Redis server on localhost:6379.)
func Example() {
	rdb := redis.NewClient(&redis.Options{
		Addr: "localhost:6379",
		// Optional: go-redis then gives up at a call's deadline by itself,
		// and the Store needs no goroutine to watch the context.
		ContextTimeoutEnabled: true,
	})
	defer rdb.Close()

	var store client.Store = redisstore.New(rdb, redisstore.WithPrefix("myapp:spapi:"))

	// What the client does before it sends a request: one request from
	// the operation's bucket, shared by every process.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	plan := client.Rate{PerSecond: 1, Burst: 10} // createRestrictedDataToken
	wait, ok, err := store.Take(ctx, "{3f2a}:rate:createRestrictedDataToken", plan, 30*time.Second)
	if err != nil {
		fmt.Println("Redis is not there; the client falls back to its own limiter:", err)
		return
	}
	fmt.Println("send after", wait, ok)
}
