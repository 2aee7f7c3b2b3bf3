package test

import (
	"encoding/json"
	"testing"

	"github.com/spapi-go/spapi/apis/catalogitems20220401"
	"github.com/spapi-go/spapi/apis/productfeesv0"
	"github.com/spapi-go/spapi/apis/sellerwallet20240301"
)

// roundTrip decodes body into a T, and returns the number get reads from it
// and the T encoded again.
func roundTrip[T any](body string, get func(*T) float64) (float64, string, error) {
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return 0, "", err
	}
	out, err := json.Marshal(&v)
	return get(&v), string(out), err
}

// TestTypedNumbersAreFloat64: a model's `type: number` with no format is a
// float64 in apis/, so money and measures keep every digit Amazon sends (as
// float32, productFees' 1234567.89 was 1234567.9 and catalogItems'
// 10.49999998929 was 10.5): each value decodes exactly, encodes back byte
// for byte, and a number in the query is sent as given.
func TestTypedNumbersAreFloat64(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       float64
		decode     func(string) (float64, string, error)
	}{
		{"productFees MoneyType.Amount", `{"Amount":1234567.89,"CurrencyCode":"USD"}`, 1234567.89,
			func(b string) (float64, string, error) {
				return roundTrip(b, func(m *productfeesv0.MoneyType) float64 { return float64(*m.Amount) })
			}},
		{"catalogItems Dimension.value", `{"unit":"inches","value":10.49999998929}`, 10.49999998929,
			func(b string) (float64, string, error) {
				return roundTrip(b, func(d *catalogitems20220401.Dimension) float64 { return float64(*d.Value) })
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, out, err := tc.decode(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("decoded %v, want %v", got, tc.want)
			}
			if out != tc.body {
				t.Errorf("encoded %s, want %s", out, tc.body)
			}
		})
	}

	t.Run("sellerWallet baseAmount query", func(t *testing.T) {
		req, err := sellerwallet20240301.NewGetTransferPreviewRequest("https://sp.invalid", &sellerwallet20240301.GetTransferPreviewParams{
			SourceCountryCode: "US", SourceCurrencyCode: "USD", DestinationCountryCode: "DE",
			DestinationCurrencyCode: "EUR", BaseAmount: 1234567.89, MarketplaceID: "ATVPDKIKX0DER",
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := req.URL.Query().Get("baseAmount"); got != "1234567.89" {
			t.Errorf("baseAmount=%s, want 1234567.89", got)
		}
	})
}
