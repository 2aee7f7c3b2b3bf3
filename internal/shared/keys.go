package shared

// The names of everything the client keeps in a Store, in one place: a
// fleet's processes meet under these keys, so they change only with a plan
// for the fleets that mix builds (client's TestGoldenStoreNamesAndSeals
// pins them).

// lwaKey is the key of the fleet's LWA access token.
func (s *Sealer) lwaKey() string { return s.key("lwa") }

// rdtKey is the key of the fleet's RDT for grant (what the RDT grants): a
// keyed hash of it, so that no path or target application shows.
func (s *Sealer) rdtKey(grant string) string { return s.key("rdt:" + s.hashName(grant)) }

// rateKey is the key of op's token bucket.
func (s *Sealer) rateKey(op string) string { return s.key("rate:" + op) }

// membersKey is the key of the fleet's live members.
func (s *Sealer) membersKey() string { return s.key("members") }

// healthKey is the key a health check reads (it need not exist).
func (s *Sealer) healthKey() string { return s.key("health") }

// lockKey is the key of the lock on fetching key's value.
func lockKey(key string) string { return key + ":lock" }
