package datakiosk_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/datakiosk"
	"github.com/spapi-go/spapi/sptest"
)

const query = `query { analytics_salesAndTraffic_2024_04_24 { salesAndTrafficByDate(startDate:"2026-12-01" endDate:"2026-12-06" aggregateBy:DAY marketplaceIds:["ATVPDKIKX0DER"]) { startDate sales { orderedProductSales { amount } } } } }`

func setup(t *testing.T) (*sptest.Server, *datakiosk.Client) {
	t.Helper()
	srv := sptest.Start(t, sptest.Options{RateScale: 100})
	c, err := client.New(srv.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	dk, err := datakiosk.New(c, datakiosk.Options{PollInterval: time.Millisecond, MaxPollInterval: 4 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return srv, dk
}

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		outcome *sptest.Outcome
		want    string // in the document
		err     error
	}{
		{"DONE with data", nil, `"row":1`, nil},
		{"DONE without data", &sptest.Outcome{NoDocument: true}, "", nil},
		{"FATAL with its error document", &sptest.Outcome{Status: sptest.StatusFatal}, `"errors"`, datakiosk.ErrFatal},
		{"CANCELLED", &sptest.Outcome{Status: sptest.StatusCancelled, NoDocument: true}, "", datakiosk.ErrCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, dk := setup(t)
			if tc.outcome != nil {
				srv.ScriptQuery(*tc.outcome)
			}
			d, err := dk.Run(t.Context(), query)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			var pe *datakiosk.ProcessingError
			if tc.err != nil && (!errors.As(err, &pe) || pe.QueryID == "") {
				t.Fatalf("err = %v, want a *ProcessingError", err)
			}
			if d == nil {
				if tc.want != "" {
					t.Fatal("no document")
				}
				return
			}
			b, _ := io.ReadAll(d)
			d.Close()
			if !strings.Contains(string(b), tc.want) || (tc.want == "" && len(b) != 0) {
				t.Fatalf("document %q, want %q in it", b, tc.want)
			}
		})
	}
}
