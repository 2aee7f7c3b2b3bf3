// Package consent runs the SP-API website authorization workflow: the way
// a public application gets a selling partner's refresh token.
//
// The workflow, as Amazon documents it:
//
//  1. The application sends the seller to the consent page of their
//     marketplace's Seller Central (a vendor: Vendor Central) with its
//     application id and a state, and, while the application is a draft,
//     version=beta: Authorizer.SellerURL, Authorizer.VendorURL.
//  2. The seller confirms; Amazon sends the browser back to the
//     application's redirect URI with spapi_oauth_code, selling_partner_id
//     and the state (and mws_auth_token for a hybrid application).
//  3. The application checks the state, and exchanges the code at Login
//     with Amazon (grant_type=authorization_code, with the redirect URI)
//     within the code's few minutes of life for a refresh token:
//     Authorizer.Handler, an http.Handler, or Authorizer.Complete.
//
// The state defends the callback against cross-site request forgery: an
// attacker who makes a victim's browser load the callback with the
// attacker's code would link the attacker's seller account to the victim's
// user. A state here is signed (HMAC-SHA256 under Config.StateKey) over a
// random nonce, its expiry, the marketplace, the application id and the
// user's session id, so it cannot be forged, altered, or carried to another
// session; and it is single use: its nonce is saved in a StateStore when
// the URL is made and taken out when the callback comes, so a replay finds
// it gone. See Config.States for a fleet.
//
// The authorization code, the refresh token and the client secret never
// appear in an error, a log record or the formatted value of any type of
// this package. The optional step in which Amazon first sends the seller to
// the application's log-in URI (amazon_callback_uri, amazon_state) is the
// application's own page and is not handled here.
package consent
