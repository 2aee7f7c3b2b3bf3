package client

import (
	"context"
	"log/slog"
)

// defaultLogger is the logger of a Client whose Config.Logger is nil: the
// warnings (an SP-API request sent to another host, an ignored
// HTTPClient.Timeout, a Store put aside) go to slog.Default() at Warn and
// above, so that a mistake does not stay silent; Info and Debug are dropped.
// slog.Default() is looked up at each record, so a default set after New
// still receives them. Config.Logger = slog.New(slog.DiscardHandler)
// silences the client.
var defaultLogger = slog.New(warnToDefault{})

// warnToDefault is defaultLogger's handler: records at slog.LevelWarn and
// above, handed to slog.Default()'s handler.
type warnToDefault struct {
	// with is what WithAttrs and WithGroup asked for, in order, applied to
	// the default handler of the moment at each record.
	with []func(slog.Handler) slog.Handler
}

func (h warnToDefault) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && slog.Default().Handler().Enabled(ctx, l)
}

func (h warnToDefault) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return nil
	}
	dh := slog.Default().Handler()
	for _, f := range h.with {
		dh = f(dh)
	}
	return dh.Handle(ctx, r)
}

func (h warnToDefault) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.add(func(d slog.Handler) slog.Handler { return d.WithAttrs(attrs) })
}

func (h warnToDefault) WithGroup(name string) slog.Handler {
	return h.add(func(d slog.Handler) slog.Handler { return d.WithGroup(name) })
}

func (h warnToDefault) add(f func(slog.Handler) slog.Handler) warnToDefault {
	return warnToDefault{with: append(h.with[:len(h.with):len(h.with)], f)}
}
