package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/golang/mock/gomock"

	"github.com/spapi-go/spapi/gen"
	"github.com/spapi-go/spapi/gen/mock"
)

// tokenFor is code a user might write against the generated interface
// (which (*client.Client).Gen returns), and test with the gomock mock.
func tokenFor(ctx context.Context, api gen.ClientWithResponsesInterface, path string) (string, error) {
	resp, err := api.CreateRestrictedDataTokenWithResponse(ctx, gen.CreateRestrictedDataTokenRequest{
		RestrictedResources: []gen.RestrictedResource{{Method: gen.RestrictedResourceMethodGET, Path: path}},
	})
	if err != nil {
		return "", err
	}
	if resp.JSON200 == nil || resp.JSON200.RestrictedDataToken == nil {
		return "", errors.New("no token in reply")
	}
	return *resp.JSON200.RestrictedDataToken, nil
}

func TestGomockOfGeneratedInterface(t *testing.T) {
	ctrl := gomock.NewController(t)
	api := mock.NewMockClientWithResponsesInterface(ctrl)
	token := "Atz.sprdt|mocked"
	api.EXPECT().
		CreateRestrictedDataTokenWithResponse(gomock.Any(), gen.CreateRestrictedDataTokenRequest{
			RestrictedResources: []gen.RestrictedResource{{Method: "GET", Path: "/orders/v0/orders/{orderId}/address"}},
		}).
		Return(&gen.CreateRestrictedDataTokenHTTPResponse{
			JSON200: &gen.CreateRestrictedDataTokenResponse{RestrictedDataToken: &token},
		}, nil).
		Times(1)

	got, err := tokenFor(context.Background(), api, "/orders/v0/orders/{orderId}/address")
	if err != nil || got != token {
		t.Fatalf("tokenFor = %q, %v; want %q", got, err, token)
	}
}
