#!/usr/bin/env bash
# Runs the benchmarks of package test and prints a summary table.
#
# Usage, from the repository root:
#
#	bash test/bench.sh
#
# Environment:
#	BENCH_COUNT  runs of each fast benchmark (CreateRDT, ratio, single
#	             flight); the table shows medians. Default 5.
#	BENCH_TIME   -benchtime of the fast benchmarks. Default 1s.
#	LOAD_COUNT   runs of each load scenario (about 4.6 s each, and the
#	             real-plan run, about 41 s; -benchtime=1x).
#	             Default 1.
#	BENCH_OUT    directory for the raw `go test` output (kept). Default: a
#	             temporary directory, printed at the end.
#
# The load benchmarks run with -benchtime=1x: one iteration is a whole
# 100-call run with a fresh server and client.
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
count=${BENCH_COUNT:-5}
benchtime=${BENCH_TIME:-1s}
loadcount=${LOAD_COUNT:-1}
out=${BENCH_OUT:-$(mktemp -d)}
mkdir -p "$out"

echo "== fast benchmarks (-count $count -benchtime $benchtime)" >&2
$GO test -run '^$' -bench '^(BenchmarkCreateRDT|BenchmarkCreateRDTRatio|BenchmarkCreateRDTStore|BenchmarkLWASingleFlight)$' \
	-benchmem -count "$count" -benchtime "$benchtime" ./test/ | tee "$out/fast.txt" >&2
echo "== load benchmarks (-benchtime 1x -count $loadcount)" >&2
$GO test -run '^$' -bench '^(BenchmarkLoad|BenchmarkRealPlanAddress)$' -benchmem -benchtime 1x -count "$loadcount" ./test/ |
	tee "$out/load.txt" >&2

awk '
# Collect every "value unit" pair of every benchmark line, by name and unit.
/^Benchmark/ {
	name = $1
	sub(/^Benchmark/, "", name)
	sub(/-[0-9]+$/, "", name)
	if (!(name in seen)) { seen[name] = 1; order[++nnames] = name }
	for (i = 3; i < NF; i += 2) {
		k = name SUBSEP $(i + 1)
		vals[k] = (k in vals) ? vals[k] " " $i : $i
	}
}
# Median of the values recorded for (name, unit); "" if none.
function med(name, unit,    k, n, a, i, j, t) {
	k = name SUBSEP unit
	if (!(k in vals)) return ""
	n = split(vals[k], a, " ")
	for (i = 2; i <= n; i++) {
		t = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
		a[j + 1] = t
	}
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function runs(name, unit,    a) { return split(vals[name SUBSEP unit], a, " ") }
function num(v, fmt) { return v == "" ? "-" : sprintf(fmt, v) }
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.3f", a / b) }
END {
	printf "\nTokens call against sptest (no rate limit, no latency), medians of %d runs\n", runs("CreateRDT/ours", "ns/op")
	printf "  %-18s %12s %10s %10s\n", "", "ns/op", "B/op", "allocs/op"
	split("ours raw ours-sdk", arms, " ")
	for (i = 1; i <= 3; i++) {
		n = "CreateRDT/" arms[i]
		printf "  %-18s %12s %10s %10s\n", arms[i], num(med(n, "ns/op"), "%.0f"), num(med(n, "B/op"), "%.0f"), num(med(n, "allocs/op"), "%.0f")
	}
	o = "CreateRDT/ours"; r = "CreateRDT/raw"
	printf "  ours/raw, separate runs:  ns/op %s   B/op %s   allocs/op %s\n", ratio(med(o, "ns/op"), med(r, "ns/op")), ratio(med(o, "B/op"), med(r, "B/op")), ratio(med(o, "allocs/op"), med(r, "allocs/op"))
	q = "CreateRDTRatio"
	printf "  ours/raw, interleaved:    ns %s (ours %s ns, raw %s ns)   allocs %s (ours %s, raw %s)   target ns <= 1.15\n", \
		num(med(q, "ours/raw"), "%.3f"), num(med(q, "ours-ns/call"), "%.0f"), num(med(q, "raw-ns/call"), "%.0f"), \
		ratio(med(q, "ours-allocs/call"), med(q, "raw-allocs/call")), \
		num(med(q, "ours-allocs/call"), "%.1f"), num(med(q, "raw-allocs/call"), "%.1f")
	printf "  ours-sdk/raw, interleaved: ns %s   allocs %s   (a real OpenTelemetry SDK recording every metric and span)\n", num(med(q, "sdk/raw"), "%.3f"), \
		num(med(q, "sdk-allocs/call"), "%.1f")
	s = "CreateRDTStore"
	printf "\nTokens call with its limiter in Redis (redisstore, loopback) vs in-process, interleaved medians\n"
	printf "  local %s ns/call   redis %s ns/call   redis/local %s   Redis round trips/call %s\n", \
		num(med(s, "local-ns/call"), "%.0f"), num(med(s, "redis-ns/call"), "%.0f"), num(med(s, "redis/local"), "%.3f"), \
		num(med(s, "redis-roundtrips/call"), "%.2f")
	printf "  (B/op and allocs/op are process-wide: the in-process server'\''s share is in both; ours minus raw is the client'\''s overhead)\n"

	printf "\nLoad: 100 calls, sptest 20/s burst 10, 20 ms latency; bound (100-10)/20 = 4.5 s\n"
	printf "  %-26s %8s %10s %6s %10s %8s %16s\n", "scenario", "wall-s", "wall/4.5s", "429s", "LWA calls", "retries", "timers late max"
	for (i = 1; i <= nnames; i++) {
		n = order[i]
		if (n !~ /^Load\//) continue
		printf "  %-26s %8s %10s %6s %10s %8s %13s ms\n", substr(n, 6), num(med(n, "wall-s"), "%.3f"), num(med(n, "bound-ratio"), "%.3f"), \
			num(med(n, "429s"), "%g"), num(med(n, "lwa-calls"), "%g"), num(med(n, "retries"), "%g"), num(med(n, "timer-late-max-ms"), "%.1f")
	}
	printf "  (timers late max > 10 ms: the machine was busy; sptest'\''s own bucket jitters and 429s are not all the client'\''s)\n"

	n = "RealPlanAddress"
	printf "\nReal plan: 50 getOrderAddress, 10 in flight, sptest at the published 0.5/s burst 30; bound (50-30)/0.5 = 40 s\n"
	printf "  wall %s s (%s x bound)   429s %s   RDT mints %s   failed %s\n", num(med(n, "wall-s"), "%.2f"), num(med(n, "bound-ratio"), "%.3f"), \
		num(med(n, "429s"), "%g"), num(med(n, "rdt-mints"), "%g"), num(med(n, "failed"), "%g")

	n = "LWASingleFlight"
	printf "\nLWA single flight: 1,000 goroutines, fresh client, GET marketplaceParticipations\n"
	printf "  ns/op %s   LWA calls/op %s   B/op %s   allocs/op %s\n", num(med(n, "ns/op"), "%.0f"), num(med(n, "lwa-calls/op"), "%g"), \
		num(med(n, "B/op"), "%.0f"), num(med(n, "allocs/op"), "%.0f")
}
' "$out/fast.txt" "$out/load.txt"
echo
echo "raw output: $out"
