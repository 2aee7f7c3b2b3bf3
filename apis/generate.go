// Package apis holds one typed client per Amazon SP-API model, each in its
// own package (apis/ordersv0, apis/reports20210630, ...; the Tokens API's is
// gen/), generated from api/models by internal/cmd/genapis with the pinned
// oas3conv and oapi-codegen. README.md lists them. A program pays only for
// the packages it imports.
package apis

//go:generate go run ../internal/cmd/genapis -models ../api/models -restricted ../api/restricted-operations.json -out .
