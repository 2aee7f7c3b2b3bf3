// Package document moves SP-API documents: it downloads report, feed-result
// and Data Kiosk documents as a stream of UTF-8 text, and uploads feed
// documents.
//
// A document lives at a presigned URL on a document host (Amazon S3), not on
// the SP-API: the URL itself is the credential, so the SP-API access token
// must never go there. Every function here sends its requests through a
// plain *http.Client (Options.HTTPClient, by default one of this package's
// own), never through client.HTTPClient().
//
// Open streams a document whatever its size, in bounded memory: it
// gunzips when the document says GZIP or when its bytes start with the gzip
// magic (Amazon sometimes omits compressionAlgorithm on a gzipped document),
// turns the charset named by the reply's Content-Type (windows-1252,
// Shift_JIS, EUC-JP, ISO-8859-1, UTF-16, ...) into UTF-8, and retries the
// document host's 5xx replies and connections cut mid-download, resuming
// with a Range request where the host allows it.
//
// Upload PUTs a feed document with the Content-Type that was given to
// createFeedDocument: the URL's signature covers it, and a mismatch makes
// S3 answer 403 SignatureDoesNotMatch.
//
// The packages report, feed and datakiosk use this one for their documents.
package document
