package flatfile_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/spapi-go/spapi/flatfile"
)

// Reading a GET_FLAT_FILE_OPEN_LISTINGS_DATA report by column name. In a
// job the reader is the downloaded document's body.
func Example() {
	doc := "\uFEFFsku\titem-name\tprice\tquantity\r\n" +
		"MUG-01\tCoffee mug\t12.99\t5\r\n" +
		"RULER-12\t12\" Ruler\t3.49\t0\r\n" // a " in a field is literal
	r := flatfile.NewReader(strings.NewReader(doc))
	for row, err := range r.All() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("line %d: %s (%s) costs %s, %s in stock\n", row.Line, row.Get("sku"), row.Get("item-name"), row.Get("price"), row.Get("quantity"))
	}
	// Output:
	// line 2: MUG-01 (Coffee mug) costs 12.99, 5 in stock
	// line 3: RULER-12 (12" Ruler) costs 3.49, 0 in stock
}
