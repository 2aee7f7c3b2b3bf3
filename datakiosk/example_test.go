package datakiosk_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/datakiosk"
	"github.com/spapi-go/spapi/sptest"
)

// Example runs a Data Kiosk query and reads its JSON Lines, against sptest.
func Example() {
	srv := sptest.NewServer(sptest.Options{RateScale: 100})
	defer srv.Close()
	c, err := client.New(srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}
	dk, err := datakiosk.New(c, datakiosk.Options{PollInterval: time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	rows, err := dk.Run(context.Background(), `query { analytics_salesAndTraffic_2024_04_24 { salesAndTrafficByDate(startDate:"2026-12-01" endDate:"2026-12-06" aggregateBy:DAY marketplaceIds:["ATVPDKIKX0DER"]) { startDate } } }`)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	lines := bufio.NewScanner(rows)
	n := 0
	for lines.Scan() {
		n++
	}
	fmt.Println(n, "rows")
	// Output:
	// 2 rows
}
