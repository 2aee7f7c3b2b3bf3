package client

import "github.com/spapi-go/spapi/store"

// The Store protocol lives in package store, which a Store implementation
// (package redisstore) imports without the client; these aliases keep code
// that names them through client compiling.
type (
	// Store is store.Store: the state a fleet of processes for one seller
	// shares (Config.Store).
	Store = store.Store
	// BucketStore is store.BucketStore.
	BucketStore = store.BucketStore
	// BucketPlan is store.BucketPlan.
	BucketPlan = store.BucketPlan
	// BucketTake is store.BucketTake.
	BucketTake = store.BucketTake
	// BucketView is store.BucketView.
	BucketView = store.BucketView
	// FleetMembers is store.FleetMembers.
	FleetMembers = store.FleetMembers
	// Rate is store.Rate: a usage plan, a steady rate and a burst.
	Rate = store.Rate
)

// MaxStoreValueSize is store.MaxStoreValueSize: the longest value the
// client stores.
const MaxStoreValueSize = store.MaxStoreValueSize
