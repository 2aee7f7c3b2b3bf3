package sptest

// Replies of the Orders v0 operations, shaped like the model
// (../shared/spec/ordersV0.json): payload objects with the model's field
// names, the required fields present, fields in the model's order, so that a
// generated Orders client decodes them. PII (BuyerInfo, ShippingAddress,
// BuyerTaxInformation) appears only for the dataElements an RDT names.

// orderIDs are the orders getOrders lists.
var orderIDs = [2]string{"902-1845936-5435065", "113-7293021-4462645"}

// address is the model's Address.
type address struct {
	Name          string
	AddressLine1  string
	City          string
	StateOrRegion string
	PostalCode    string
	CountryCode   string
}

var janeAddress = address{
	Name:          "Jane Doe",
	AddressLine1:  "1 Main St",
	City:          "Seattle",
	StateOrRegion: "WA",
	PostalCode:    "98101",
	CountryCode:   "US",
}

// orderAddress is the model's OrderAddress (getOrderAddress).
type orderAddress struct {
	AmazonOrderId   string
	ShippingAddress address
}

type orderAddressReply struct {
	Payload orderAddress `json:"payload"`
}

type money struct {
	CurrencyCode string
	Amount       string
}

type buyerInfo struct {
	BuyerEmail string
	BuyerName  string
}

type buyerTaxInformation struct {
	BuyerTaxRegistrationId string
}

// order is the model's Order (getOrder, getOrders).
type order struct {
	AmazonOrderId          string
	PurchaseDate           string
	LastUpdateDate         string
	OrderStatus            string
	FulfillmentChannel     string
	OrderTotal             money
	NumberOfItemsShipped   int
	NumberOfItemsUnshipped int
	MarketplaceId          string
	BuyerTaxInformation    *buyerTaxInformation `json:",omitempty"`
	ShippingAddress        *address             `json:",omitempty"`
	BuyerInfo              *buyerInfo           `json:",omitempty"`
}

type orderReply struct {
	Payload order `json:"payload"`
}

// ordersList is the model's OrdersList (getOrders).
type ordersList struct {
	Orders        []order
	CreatedBefore string
}

type ordersReply struct {
	Payload ordersList `json:"payload"`
}

// itemBuyerInfo is the model's ItemBuyerInfo.
type itemBuyerInfo struct {
	GiftMessageText string
	GiftWrapLevel   string
}

// orderItem is the model's OrderItem.
type orderItem struct {
	ASIN            string
	SellerSKU       string
	OrderItemId     string
	Title           string
	QuantityOrdered int
	QuantityShipped int
	ItemPrice       money
	BuyerInfo       *itemBuyerInfo `json:",omitempty"`
}

// orderItemsList is the model's OrderItemsList (getOrderItems).
type orderItemsList struct {
	OrderItems    []orderItem
	AmazonOrderId string
}

type orderItemsReply struct {
	Payload orderItemsList `json:"payload"`
}

// newOrder is order id with the PII that res name.
func newOrder(id string, res []RestrictedResource) order {
	o := order{
		AmazonOrderId:        id,
		PurchaseDate:         "2025-01-01T10:00:00Z",
		LastUpdateDate:       "2025-01-02T03:04:05Z",
		OrderStatus:          "Shipped",
		FulfillmentChannel:   "MFN",
		OrderTotal:           money{CurrencyCode: "USD", Amount: "25.98"},
		NumberOfItemsShipped: 2,
		MarketplaceId:        "ATVPDKIKX0DER",
	}
	elems := dataElements(res)
	if elems[elemBuyerTaxInformation] {
		o.BuyerTaxInformation = &buyerTaxInformation{BuyerTaxRegistrationId: "DE123"}
	}
	if elems[elemShippingAddress] {
		a := janeAddress
		o.ShippingAddress = &a
	}
	if elems[elemBuyerInfo] {
		o.BuyerInfo = &buyerInfo{BuyerEmail: "jane@example.com", BuyerName: "Jane Doe"}
	}
	return o
}

// newOrderItems is the items of order id, each with BuyerInfo only if res
// name buyerInfo.
func newOrderItems(id string, res []RestrictedResource) orderItemsList {
	items := []orderItem{
		{ASIN: "B00EXAMPLE1", SellerSKU: "SKU-MUG-01", OrderItemId: "68828574383266", Title: "Coffee mug",
			QuantityOrdered: 1, QuantityShipped: 1, ItemPrice: money{CurrencyCode: "USD", Amount: "12.99"}},
		{ASIN: "B00EXAMPLE2", SellerSKU: "SKU-TEA-02", OrderItemId: "68828574383267", Title: "Tea sampler",
			QuantityOrdered: 1, QuantityShipped: 1, ItemPrice: money{CurrencyCode: "USD", Amount: "12.99"}},
	}
	if dataElements(res)[elemBuyerInfo] {
		for i := range items {
			items[i].BuyerInfo = &itemBuyerInfo{GiftMessageText: "Happy birthday, Jane!", GiftWrapLevel: "Classic"}
		}
	}
	return orderItemsList{OrderItems: items, AmazonOrderId: id}
}
