package ops

// CreateRestrictedDataToken names the Tokens API's one operation, which the
// generated table (made from the other APIs' models) does not hold: the
// limiter, RetryInfo, APIError and telemetry all name it so.
const CreateRestrictedDataToken = "createRestrictedDataToken"
