package client

import (
	"fmt"
	"reflect"
)

// checkTypedNil refuses an interface field of Config that holds a nil
// pointer, map or func of some type: `var st *redisstore.Store; if url
// != "" { st = ... }; cfg.Store = st` makes Store non-nil, and its first
// use panics, with NoRateLimit in a goroutine no caller can recover. Said
// here, it names the field and what to do.
func checkTypedNil(field string, v any) error {
	if v == nil {
		return nil
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func:
		if rv.IsNil() {
			return fmt.Errorf("config: %s is a nil %T: set it only when you have one; leave it nil (no value at all) for none", field, v)
		}
	}
	return nil
}
