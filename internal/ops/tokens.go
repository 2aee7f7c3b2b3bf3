package ops

// CreateRestrictedDataToken names the Tokens API's one operation, which the
// generated table (made from the other APIs' models) does not hold: the
// limiter, RetryInfo, APIError and telemetry all name it so.
const CreateRestrictedDataToken = "createRestrictedDataToken"

// TokensPath is the path of the Tokens API's operation.
const TokensPath = "/tokens/2021-03-01/restrictedDataToken"
