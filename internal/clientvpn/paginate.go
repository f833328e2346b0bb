package clientvpn

import "fmt"

// maxPages bounds every listing. A Client VPN endpoint holds tens of
// thousands of connections at most and a region a few hundred endpoints,
// so a listing this long (10,000,000 rows at 1,000 a page) is a server
// that never stops handing out fresh tokens.
const maxPages = 10_000

// listPages pages through one listing: fetch asks for the page after token
// (nil for the first) and returns the page and its nextToken; page gets
// each page in order, last set on the final one.
//
// The SDK's paginators loop for ever on a nextToken the server sends
// twice, or (with StopOnDuplicateToken) stop silently after the previous
// token came back. Here a token that any earlier page of the same listing
// sent ends the listing with an error before its page is used, and so does
// a listing longer than maxPages: both mean the rows cannot be trusted to
// be complete, and an error says so where a silent stop would not.
func listPages[O any](region, op string, fetch func(token *string) (O, *string, error), page func(out O, last bool) error) error {
	seen := map[string]int{} // token -> the page that sent it
	var token *string
	for n := 1; ; n++ {
		out, next, err := fetch(token)
		if err != nil {
			return err
		}
		last := next == nil || *next == ""
		if !last {
			if first, ok := seen[*next]; ok {
				return &APIError{Region: region, Operation: op, Message: fmt.Sprintf(
					"the nextToken on page %d of the listing repeats the one on page %d; stopped after %d requests rather than loop",
					n, first, n)}
			}
			if n == maxPages {
				return &APIError{Region: region, Operation: op, Message: fmt.Sprintf(
					"the listing did not end after %d pages; stopped", maxPages)}
			}
			seen[*next] = n
		}
		if err := page(out, last); err != nil {
			return err
		}
		if last {
			return nil
		}
		token = next
	}
}
