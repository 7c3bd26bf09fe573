/** The wireframe's order ORD-008456 lines (INT-007 Order Detail View), as admin input. */
export const WIREFRAME_LINES = [
  {
    item_code: "PROD-123",
    description: "Chocolate Bars 24pk",
    qty_ordered: "200",
    uom: "boxes",
    unit_price: "18.50",
  },
  {
    item_code: "PROD-456",
    description: "Gummy Bears 500g",
    qty_ordered: "150",
    uom: "bags",
    unit_price: "12.30",
  },
  {
    item_code: "PROD-789",
    description: "Hard Candy Mix 1kg",
    qty_ordered: "100",
    uom: "bags",
    unit_price: "29.05",
  },
];
