package vpnsql_test

import (
	"database/sql"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/vpnsql/vpnsql"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// ExampleRegister queries Client VPN connections through database/sql. The
// fake EC2 endpoint stands in for AWS here; drop EndpointURL and
// Credentials to use your AWS configuration.
func ExampleRegister() {
	fake, _ := ec2fake.Start(ec2fake.New(ec2fake.SampleDataset(time.Now())))
	defer fake.Close()

	err := vpnsql.Register(vpnsql.Options{
		Regions:     []string{"us-east-1"},
		EndpointURL: fake.URL,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "example", ""),
	})
	if err != nil {
		log.Fatal(err)
	}
	db, _ := sql.Open("sqlite3", ":memory:")
	defer db.Close()
	var sessions int
	err = db.QueryRow(`SELECT count(*) FROM client_vpn_connections
		WHERE username = 'dana.scully' AND status->>'code' = 'active'`).Scan(&sessions)
	fmt.Println(sessions, err)
	// Output: 3 <nil>
}
