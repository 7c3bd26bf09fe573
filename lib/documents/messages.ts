/**
 * The words printed on the order documents, per language. Same keys in every language
 * (tests/documents/messages_test.ts checks). `{name}` placeholders are filled by `t()`.
 * When lib/i18n's `defineMessages` lands this object can be passed to it unchanged.
 */
import type { Locale } from "@/lib/orders/model.ts";

const en = {
  "doc.order-confirmation": "Order Confirmation",
  "doc.packing-slip": "Packing Slip",
  "doc.invoice": "Invoice",
  "field.orderNumber": "Order number",
  "field.orderDate": "Order date",
  "field.deliveryDate": "Expected delivery",
  "field.invoiceNumber": "Invoice number",
  "field.customerPo": "Your PO number",
  "field.customer": "Customer",
  "field.customerRef": "Customer ID",
  "field.deliveryAddress": "Delivery address",
  "field.contact": "Contact",
  "field.currency": "Currency",
  "field.itemsCount": "Items",
  "col.itemCode": "Item code",
  "col.description": "Description",
  "col.qty": "Quantity",
  "col.unitPrice": "Unit price",
  "col.lineTotal": "Total",
  "col.checked": "Checked",
  "total.subtotal": "Subtotal",
  "total.tax": "Tax",
  "total.shipping": "Shipping",
  "total.shippingIncluded": "Included",
  "total.total": "Total",
  "footer.page": "Page {n} of {m}",
  "note.confirmation": "Thank you for your order. We will let you know when it ships.",
  "note.packingSlip": "Please check the goods against this list on delivery.",
  "note.invoice": "Questions about this invoice? Contact {email}.",
  "note.invoiceCancelled":
    "This invoice is cancelled with its order: nothing is due. Questions? Contact {email}.",
  "stamp.cancelled": "CANCELLED",
  "mark.invoiceCancelled": "Cancelled",
  "field.cancelledOn": "Cancelled on",
  "link.order-confirmation": "Order Confirmation (PDF)",
  "link.packing-slip": "Packing Slip (PDF)",
  "link.invoice": "Invoice #{invoice} (PDF)",
  "link.all": "Download All Documents",
  "link.download": "Download",
};

export type DocumentMessageKey = keyof typeof en;

const es: Record<DocumentMessageKey, string> = {
  "doc.order-confirmation": "Confirmación de pedido",
  "doc.packing-slip": "Albarán de entrega",
  "doc.invoice": "Factura",
  "field.orderNumber": "Número de pedido",
  "field.orderDate": "Fecha del pedido",
  "field.deliveryDate": "Entrega prevista",
  "field.invoiceNumber": "Número de factura",
  "field.customerPo": "Su orden de compra",
  "field.customer": "Cliente",
  "field.customerRef": "ID de cliente",
  "field.deliveryAddress": "Dirección de entrega",
  "field.contact": "Contacto",
  "field.currency": "Moneda",
  "field.itemsCount": "Artículos",
  "col.itemCode": "Código",
  "col.description": "Descripción",
  "col.qty": "Cantidad",
  "col.unitPrice": "Precio unitario",
  "col.lineTotal": "Importe",
  "col.checked": "Revisado",
  "total.subtotal": "Subtotal",
  "total.tax": "Impuestos",
  "total.shipping": "Envío",
  "total.shippingIncluded": "Incluido",
  "total.total": "Total",
  "footer.page": "Página {n} de {m}",
  "note.confirmation": "¡Gracias por su pedido! Le avisaremos cuando se envíe.",
  "note.packingSlip": "Compruebe la mercancía con esta lista al recibirla.",
  "note.invoice": "¿Preguntas sobre esta factura? Escriba a {email}.",
  "note.invoiceCancelled":
    "Esta factura está anulada junto con su pedido: no hay nada que pagar. ¿Dudas? Escriba a {email}.",
  "stamp.cancelled": "ANULADA",
  "mark.invoiceCancelled": "Anulada",
  "field.cancelledOn": "Cancelado el",
  "link.order-confirmation": "Confirmación de pedido (PDF)",
  "link.packing-slip": "Albarán de entrega (PDF)",
  "link.invoice": "Factura n.º {invoice} (PDF)",
  "link.all": "Descargar todos los documentos",
  "link.download": "Descargar",
};

const pl: Record<DocumentMessageKey, string> = {
  "doc.order-confirmation": "Potwierdzenie zamówienia",
  "doc.packing-slip": "Specyfikacja wysyłki",
  "doc.invoice": "Faktura",
  "field.orderNumber": "Numer zamówienia",
  "field.orderDate": "Data zamówienia",
  "field.deliveryDate": "Przewidywana dostawa",
  "field.invoiceNumber": "Numer faktury",
  "field.customerPo": "Nr zamówienia klienta",
  "field.customer": "Klient",
  "field.customerRef": "ID klienta",
  "field.deliveryAddress": "Adres dostawy",
  "field.contact": "Kontakt",
  "field.currency": "Waluta",
  "field.itemsCount": "Pozycje",
  "col.itemCode": "Kod",
  "col.description": "Opis",
  "col.qty": "Ilość",
  "col.unitPrice": "Cena jedn.",
  "col.lineTotal": "Wartość",
  "col.checked": "Sprawdzono",
  "total.subtotal": "Suma częściowa",
  "total.tax": "Podatek",
  "total.shipping": "Wysyłka",
  "total.shippingIncluded": "W cenie",
  "total.total": "Razem",
  "footer.page": "Strona {n} z {m}",
  "note.confirmation": "Dziękujemy za zamówienie. Powiadomimy Cię o wysyłce.",
  "note.packingSlip": "Prosimy sprawdzić towar z tą listą przy odbiorze.",
  "note.invoice": "Pytania dotyczące faktury? Napisz na {email}.",
  "note.invoiceCancelled":
    "Ta faktura została anulowana wraz z zamówieniem: nie ma nic do zapłaty. Pytania? Prosimy pisać na {email}.",
  "stamp.cancelled": "ANULOWANA",
  "mark.invoiceCancelled": "Anulowana",
  "field.cancelledOn": "Data anulowania",
  "link.order-confirmation": "Potwierdzenie zamówienia (PDF)",
  "link.packing-slip": "Specyfikacja wysyłki (PDF)",
  "link.invoice": "Faktura nr {invoice} (PDF)",
  "link.all": "Pobierz wszystkie dokumenty",
  "link.download": "Pobierz",
};

export const documentMessages: Record<Locale, Record<DocumentMessageKey, string>> = { en, es, pl };

/** The text for `key` in `locale`, with `{name}` placeholders filled from `params`. */
export function t(
  locale: Locale,
  key: DocumentMessageKey,
  params: Record<string, string | number> = {},
): string {
  const text = documentMessages[locale]?.[key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (m, name) => name in params ? String(params[name]) : m);
}
