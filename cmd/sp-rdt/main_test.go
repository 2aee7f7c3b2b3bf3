package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/sptest"
)

// envVars are every variable ConfigFromEnv reads.
var envVars = []string{
	"LWA_CLIENT_ID", "LWA_CLIENT_SECRET", "LWA_REFRESH_TOKEN",
	"SP_API_REGION", "SP_API_SANDBOX", "SP_API_ENDPOINT", "LWA_ENDPOINT", "SP_API_REDIS_URL",
}

// clearEnv empties every variable the command reads (ConfigFromEnv treats
// "" as unset), so the developer's environment cannot leak into a test.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, v := range envVars {
		t.Setenv(v, "")
	}
}

// setCreds sets sptest's credentials in the environment.
func setCreds(t *testing.T) {
	t.Helper()
	clearEnv(t)
	t.Setenv("LWA_CLIENT_ID", sptest.ClientID)
	t.Setenv("LWA_CLIENT_SECRET", sptest.ClientSecret)
	t.Setenv("LWA_REFRESH_TOKEN", sptest.RefreshToken)
}

type result struct {
	code           int
	stdout, stderr string
}

func runArgs(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// endpointFlags point the command at srv.
func endpointFlags(srv *sptest.Server) []string {
	return []string{"-endpoint", srv.URL(), "-lwa-endpoint", srv.LWAURL()}
}

const addressPath = "/orders/v0/orders/{orderId}/address"

func TestLocalSuccess(t *testing.T) {
	clearEnv(t) // -local needs no credentials
	tests := []struct {
		name string
		args []string
		want string // exact stdout; "" means a minted token line
	}{
		{name: "generic path", args: []string{"-local", "GET", addressPath}},
		{name: "lower-case method", args: []string{"-local", "get", addressPath}},
		{name: "several resources with data elements", args: []string{"-local", "-data-elements", "buyerInfo, shippingAddress",
			"GET", "/orders/v0/orders/123-1234567-1234567", "get", "/orders/v0/orders/123-1234567-1234567/orderItems"}},
		{name: "flags ignored by -local", args: []string{"-local", "-region", "fe", "-sandbox", "-timeout", "5s", "GET", addressPath}},
		{name: "model's sandbox example", want: "Atz.sprdt|IQEBLjAsAhRmHjNgHpi0U-Dme37rR6CuUpSR\n",
			args: []string{"-local", "-target-application", "amzn1.sellerapps.app.target-application", "GET", addressPath}},
		{name: "model's second sandbox example", want: "Atz.sprdt|AODFNESLjAsAhRmHjNgHpi0U-Dme37rR6CuUpSR\n",
			args: []string{"-local", "GET", "/orders/v0/orders/943-12-123434/address"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runArgs(t, tt.args...)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
			}
			if tt.want != "" {
				if r.stdout != tt.want {
					t.Errorf("stdout = %q, want %q", r.stdout, tt.want)
				}
				return
			}
			if !strings.HasPrefix(r.stdout, "Atz.sprdt|") || !strings.HasSuffix(r.stdout, "\n") ||
				strings.Count(r.stdout, "\n") != 1 {
				t.Errorf("stdout = %q, want one line with an Atz.sprdt| token", r.stdout)
			}
		})
	}
}

func TestLocalJSON(t *testing.T) {
	clearEnv(t)
	before := time.Now()
	r := runArgs(t, "-local", "-json", "GET", addressPath)
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
	}
	if !strings.HasSuffix(r.stdout, "}\n") || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("stdout = %q, want one JSON object and a newline", r.stdout)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &fields); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if len(fields) != 4 {
		t.Errorf("fields = %v, want exactly restrictedDataToken, expiresIn, expiresAt, requestId", fields)
	}
	var got struct {
		RestrictedDataToken string `json:"restrictedDataToken"`
		ExpiresIn           int    `json:"expiresIn"`
		ExpiresAt           string `json:"expiresAt"`
		RequestID           string `json:"requestId"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.RestrictedDataToken, "Atz.sprdt|") {
		t.Errorf("restrictedDataToken = %q", got.RestrictedDataToken)
	}
	if got.ExpiresIn != 3600 {
		t.Errorf("expiresIn = %d, want 3600", got.ExpiresIn)
	}
	at, err := time.Parse(time.RFC3339, got.ExpiresAt)
	if err != nil {
		t.Errorf("expiresAt %q is not RFC 3339: %v", got.ExpiresAt, err)
	} else if lo, hi := before.Add(time.Hour-time.Second), time.Now().Add(time.Hour+time.Second); at.Before(lo) || at.After(hi) {
		t.Errorf("expiresAt = %v, want about an hour from now", at)
	}
	if !strings.HasPrefix(got.RequestID, "sptest-") {
		t.Errorf("requestId = %q, want sptest's", got.RequestID)
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		t.Run(arg, func(t *testing.T) {
			r := runArgs(t, arg)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
			}
			for _, want := range []string{
				"Usage: sp-rdt [flags] METHOD PATH",
				"-region na|eu|fe", "-sandbox", "-endpoint URL", "-lwa-endpoint URL",
				"-data-elements list", "-target-application ID", "-json", "-local", "-timeout duration",
				"sp-rdt -local GET '/orders/v0/orders/{orderId}/address'",
				"sp-rdt -region eu -data-elements",
				"lower case is accepted",
				"LWA_CLIENT_ID", "LWA_REFRESH_TOKEN",
			} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("usage lacks %q:\n%s", want, r.stdout)
				}
			}
		})
	}
}

// TestUsageErrors covers bad command lines: exit 2, a message naming the
// problem, nothing on stdout.
func TestUsageErrors(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no arguments", nil, []string{"no resource"}},
		{"flags only", []string{"-local", "-json"}, []string{"no resource"}},
		{"odd arguments", []string{"-local", "GET"}, []string{"1 arguments", "METHOD PATH pairs"}},
		{"three arguments", []string{"-local", "GET", "/a", "GET"}, []string{"3 arguments"}},
		{"unknown flag", []string{"-bogus", "GET", "/a"}, []string{"flag provided but not defined: -bogus"}},
		{"flag after resources", []string{"-local", "GET", "/a", "-json"}, []string{"-json", "flags must come before"}},
		{"bad region", []string{"-local", "-region", "mars", "GET", "/a"}, []string{"-region", `"mars"`, "na, eu or fe"}},
		{"bad timeout", []string{"-local", "-timeout", "0s", "GET", "/a"}, []string{"-timeout", "positive"}},
		{"unparsable timeout", []string{"-local", "-timeout", "soon", "GET", "/a"}, []string{"-timeout"}},
		{"local with endpoint", []string{"-local", "-endpoint", "http://127.0.0.1:1", "GET", "/a"}, []string{"-local", "-endpoint"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runArgs(t, tt.args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want 2", r.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if !strings.HasPrefix(r.stderr, "sp-rdt: ") {
				t.Errorf("stderr = %q, want it to start with sp-rdt: ", r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr = %q, want it to mention %q", r.stderr, w)
				}
			}
		})
	}
}

// TestInvalidInput checks that a request the API would refuse is refused
// locally, names the field, and sends nothing, not even to LWA.
func TestInvalidInput(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	setCreds(t)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"method", []string{"FETCH", addressPath}, []string{"restrictedResources[0].method", `"FETCH"`, "GET, PUT, POST, DELETE"}},
		{"second method", []string{"GET", addressPath, "", "/a"}, []string{"restrictedResources[1].method"}},
		{"relative path", []string{"GET", "orders/v0/orders/1"}, []string{"restrictedResources[0].path", "must start with /"}},
		{"path with query", []string{"GET", "/orders/v0/orders?x=1"}, []string{"restrictedResources[0].path", "query"}},
		{"data element", []string{"-data-elements", "buyerInfo,email", "GET", "/orders/v0/orders/1"},
			[]string{"restrictedResources[0].dataElements[1]", `"email"`, "buyerInfo"}},
		{"empty target application", []string{"-target-application", "", "GET", addressPath}, []string{"targetApplication", "must not be empty"}},
		{"too many resources", strings.Fields(strings.Repeat("GET /a ", 51)), []string{"restrictedResources", "at most 50"}},
		{"plain http endpoint", nil, []string{"Endpoint", "plain http"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Reset()
			args := append(endpointFlags(srv), tt.args...)
			if tt.args == nil {
				args = []string{"-endpoint", "http://sellingpartnerapi-na.amazon.com", "-lwa-endpoint", srv.LWAURL(), "GET", addressPath}
			}
			r := runArgs(t, args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want 2 (stderr %q)", r.code, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "sp-rdt: ") {
				t.Errorf("stderr = %q, want one sp-rdt: line", r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr = %q, want it to mention %q", r.stderr, w)
				}
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d requests reached the server, want none", n)
			}
		})
	}
}

func TestServerError(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	srv.Always("createRestrictedDataToken", &sptest.Fault{Status: 403, Body: []byte(
		`{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":"The application is not authorized for this role."}]}`)})
	setCreds(t)

	for _, jsonFlag := range []bool{false, true} {
		name := "token"
		args := endpointFlags(srv)
		if jsonFlag {
			name, args = "json", append(args, "-json")
		}
		t.Run(name, func(t *testing.T) {
			srv.Reset()
			r := runArgs(t, append(args, "GET", addressPath)...)
			if r.code != exitError {
				t.Errorf("exit %d, want 1", r.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			var reqID string
			for _, rec := range srv.Requests() {
				if rec.Op == "createRestrictedDataToken" {
					reqID = rec.RequestID
				}
			}
			if reqID == "" {
				t.Fatal("no createRestrictedDataToken request reached the server")
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "sp-rdt: ") {
				t.Errorf("stderr = %q, want one sp-rdt: line", r.stderr)
			}
			for _, w := range []string{"403", "Unauthorized", "not authorized for this role", reqID} {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr = %q, want it to name %q", r.stderr, w)
				}
			}
		})
	}
}

func TestMissingCredentials(t *testing.T) {
	tests := []struct {
		name    string
		set     map[string]string
		args    []string
		want    []string
		notWant []string
	}{
		{name: "none", want: []string{"LWA_CLIENT_ID", "LWA_CLIENT_SECRET", "LWA_REFRESH_TOKEN", "-local"}},
		{name: "refresh token only", set: map[string]string{"LWA_CLIENT_ID": "id", "LWA_CLIENT_SECRET": "s3cr3t-value"},
			want: []string{"LWA_REFRESH_TOKEN"}, notWant: []string{"LWA_CLIENT_ID", "s3cr3t-value"}},
		{name: "bad region variable", set: map[string]string{"SP_API_REGION": "mars"},
			want: []string{"LWA_CLIENT_ID", "SP_API_REGION"}},
		{name: "bad region variable overridden by -region", set: map[string]string{"SP_API_REGION": "mars"},
			args: []string{"-region", "eu"}, want: []string{"LWA_CLIENT_ID"}, notWant: []string{"SP_API_REGION"}},
		{name: "bad sandbox variable overridden by -sandbox", set: map[string]string{"SP_API_SANDBOX": "maybe", "SP_API_REGION": "mars"},
			args: []string{"-sandbox"}, want: []string{"LWA_REFRESH_TOKEN", "SP_API_REGION"}, notWant: []string{"SP_API_SANDBOX"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.set {
				t.Setenv(k, v)
			}
			r := runArgs(t, append(tt.args, "GET", addressPath)...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want 2", r.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr = %q, want it to name %q", r.stderr, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(r.stderr, w) {
					t.Errorf("stderr = %q, should not mention %q", r.stderr, w)
				}
			}
		})
	}
}

// TestEnvironment checks that the environment configures the command and
// that flags override it.
func TestEnvironment(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{name: "endpoints from the environment",
			env: map[string]string{"SP_API_ENDPOINT": srv.URL(), "LWA_ENDPOINT": srv.LWAURL()}},
		{name: "flags override the endpoints",
			env:  map[string]string{"SP_API_ENDPOINT": "http://127.0.0.1:1", "LWA_ENDPOINT": "http://127.0.0.1:1/auth/o2/token"},
			args: endpointFlags(srv)},
		{name: "-region overrides a bad SP_API_REGION",
			env: map[string]string{"SP_API_REGION": "mars"}, args: append([]string{"-region", "eu"}, endpointFlags(srv)...)},
		{name: "-sandbox=false overrides a bad SP_API_SANDBOX",
			env: map[string]string{"SP_API_SANDBOX": "maybe"}, args: append([]string{"-sandbox=false"}, endpointFlags(srv)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setCreds(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			r := runArgs(t, append(tt.args, "get", addressPath)...)
			if r.code != exitOK || !strings.HasPrefix(r.stdout, "Atz.sprdt|sptest-") {
				t.Errorf("exit %d, stdout %q, stderr %q; want 0 and a token", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestWrongSecret(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	setCreds(t)
	const secret = "wrong-secret-3f9a1c"
	t.Setenv("LWA_CLIENT_SECRET", secret)
	r := runArgs(t, append(endpointFlags(srv), "-json", "GET", addressPath)...)
	if r.code != exitError {
		t.Errorf("exit %d, want 1", r.code)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
	if !strings.Contains(r.stderr, "invalid_client") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr = %q, want one line naming invalid_client", r.stderr)
	}
	for _, s := range []string{secret, sptest.RefreshToken} {
		if strings.Contains(r.stderr, s) {
			t.Errorf("stderr %q leaks a secret", r.stderr)
		}
	}
	if n := srv.RDTCalls(); n != 0 {
		t.Errorf("%d createRestrictedDataToken calls, want 0 without an access token", n)
	}
}

func TestTimeout(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	srv.Always("createRestrictedDataToken", &sptest.Fault{Delay: time.Minute})
	setCreds(t)
	start := time.Now()
	r := runArgs(t, append(endpointFlags(srv), "-timeout", "300ms", "GET", addressPath)...)
	if r.code != exitError {
		t.Errorf("exit %d, want 1", r.code)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v, want about 300ms", d)
	}
	if !strings.Contains(r.stderr, "deadline exceeded") || !strings.Contains(r.stderr, "-timeout 300ms") {
		t.Errorf("stderr = %q, want the deadline and the -timeout named", r.stderr)
	}
}

// TestTimeoutWhileRetrying checks that a call cut short by -timeout while
// retrying still names the server's last answer.
func TestTimeoutWhileRetrying(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	srv.Always("createRestrictedDataToken", &sptest.Fault{Status: 500})
	setCreds(t)
	r := runArgs(t, append(endpointFlags(srv), "-timeout", "1500ms", "GET", addressPath)...)
	if r.code != exitError {
		t.Errorf("exit %d, want 1", r.code)
	}
	for _, w := range []string{"HTTP 500", "[request id sptest-"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr = %q, want it to name %q", r.stderr, w)
		}
	}
}

func TestCanceled(t *testing.T) {
	clearEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"-local", "GET", addressPath}, &out, &errOut); code != exitError {
		t.Errorf("exit %d, want 1", code)
	}
	if out.Len() != 0 || !strings.Contains(errOut.String(), "canceled") {
		t.Errorf("stdout %q, stderr %q; want nothing and a cancellation", out.String(), errOut.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestStdoutError(t *testing.T) {
	clearEnv(t)
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"-local", "GET", addressPath}, failWriter{}, &errOut); code != exitError {
		t.Errorf("exit %d, want 1", code)
	}
	if s := errOut.String(); !strings.Contains(s, "broken pipe") || strings.Contains(s, "Atz.") {
		t.Errorf("stderr = %q, want the write error and no token", s)
	}
}

func TestFailKeepsOneLine(t *testing.T) {
	var b bytes.Buffer
	fail(&b, errors.New("a\nb\r\x1b[31mc"))
	if got, want := b.String(), "sp-rdt: a b  [31mc\n"; got != want {
		t.Errorf("fail wrote %q, want %q", got, want)
	}
}

// TestBinary builds the real command and runs it with no credentials in
// its environment.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	bin := filepath.Join(t.TempDir(), "sp-rdt")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "LWA_") && !strings.HasPrefix(name, "SP_API_") {
			env = append(env, kv)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	t.Run("local", func(t *testing.T) {
		cmd := exec.CommandContext(ctx, bin, "-local", "GET", addressPath)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("run: %v, stderr %q", err, stderr.String())
		}
		if s := stdout.String(); !strings.HasPrefix(s, "Atz.sprdt|") || strings.Count(s, "\n") != 1 {
			t.Errorf("stdout = %q, want one Atz.sprdt| token line", s)
		}
		if stderr.Len() != 0 {
			t.Errorf("stderr = %q, want nothing", stderr.String())
		}
	})
	t.Run("exit statuses", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want int
		}{
			{[]string{"GET", addressPath}, exitUsage}, // no credentials
			{[]string{"-local", "GET"}, exitUsage},
			{[]string{"-h"}, exitOK},
		} {
			cmd := exec.CommandContext(ctx, bin, tc.args...)
			cmd.Env = env
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.want {
				t.Errorf("sp-rdt %q: exit %d, want %d", tc.args, code, tc.want)
			}
		}
	})
}

// With -redis (or SP_API_REDIS_URL), shell scripts share the fleet's RDT:
// two runs against one server print the same token, minted once, after one
// LWA call.
func TestRedisSharesTheRDT(t *testing.T) {
	rds := redistest.Start(t)
	srv := sptest.Start(t, sptest.Options{})
	setCreds(t)
	first := runArgs(t, append(endpointFlags(srv), "-redis", rds.URL(), "GET", addressPath)...)
	t.Setenv("SP_API_REDIS_URL", rds.URL())
	second := runArgs(t, append(endpointFlags(srv), "GET", addressPath)...)
	for _, r := range []result{first, second} {
		if r.code != exitOK {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
	}
	if first.stdout != second.stdout || !strings.HasPrefix(first.stdout, "Atz.sprdt|") {
		t.Errorf("tokens %q and %q, want the same shared RDT", first.stdout, second.stdout)
	}
	if srv.RDTCalls() != 1 || srv.LWACalls() != 1 {
		t.Errorf("RDT mints %d, LWA calls %d; want 1 and 1", srv.RDTCalls(), srv.LWACalls())
	}
	bad := runArgs(t, append(endpointFlags(srv), "-redis", "http://not-redis", "GET", addressPath)...)
	if bad.code != exitUsage || !strings.Contains(bad.stderr, "-redis") {
		t.Errorf("a bad -redis URL: exit %d, %q; want 2 naming -redis", bad.code, bad.stderr)
	}
}

// -v prints the call's span tree to stderr: the call with its attempts and
// the LWA fetch it waited on, and nothing secret.
func TestVerboseSpanTree(t *testing.T) {
	clearEnv(t)
	r := runArgs(t, "-local", "-v", "GET", addressPath)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"createRestrictedDataToken ", "http.response.status_code=200", "· attempt spapi.attempt=1", "lwa.fetch ", "for: createRestrictedDataToken"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	tok := strings.TrimSpace(r.stdout)
	if tok == "" || strings.Contains(r.stderr, tok) || strings.Contains(r.stderr, sptest.ClientSecret) || strings.Contains(r.stderr, "Atza|") {
		t.Errorf("stderr shows a secret:\n%s", r.stderr)
	}
	if q := runArgs(t, "-local", "GET", addressPath); q.stderr != "" {
		t.Errorf("without -v, stderr is %q", q.stderr)
	}
}
