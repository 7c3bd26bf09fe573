/**
 * Tracking strings in the three languages: status labels (timeline, cards, emails) and the
 * shipment-status email. `defineMessages` makes es and pl carry exactly en's keys.
 */
import { defineMessages } from "@/lib/i18n/messages.ts";

export const trackingMessages = defineMessages("tracking", {
  en: {
    status_label_created: "Label created",
    status_picked_up: "Picked up",
    status_in_transit: "In transit",
    status_out_for_delivery: "Out for delivery",
    status_delivered: "Delivered",
    status_exception: "Delivery exception",
    overdue: "Running late",
    last_updated: "Last updated {time}",
    track_on_carrier: "Track on {carrier} website",
    email_subject: "Order {order}: {status}",
    email_title: "Your shipment: {status}",
    email_greeting: "Hello {name},",
    email_body: "The shipment {tracking} ({carrier}) of your order {order} is now: {status}.",
    email_delivered: "It was delivered on {date}.",
    email_estimate: "Estimated delivery: {date}.",
    email_exception:
      "The carrier reported a problem: {detail}. We are following it up; contact us if you need the goods urgently.",
    email_button: "View your order",
    email_no_link: "Open your portal link to see the order and its tracking timeline.",
    email_optout:
      "You receive these updates because {org} ships your orders through the MonoPilot Customer Portal. To stop shipment emails, choose “Stop shipment emails” on your order page.",
    email_contact: "Questions? Contact {org}: {email}, {phone}.",
    optout_on: "Shipment emails are off.",
    optout_off: "You will get an email when a shipment's status changes.",
    optout_button_stop: "Stop shipment emails",
    optout_button_resume: "Resume shipment emails",
    optout_title: "Shipment emails",
    optout_state_on:
      "Shipment emails for {customer} are on: {email} gets an email when a shipment's status changes.",
    optout_state_off: "Shipment emails for {customer} are off.",
    optout_scope:
      "This setting is for {customer} as a whole, on every portal link, because the emails go to its one address.",
    optout_notice_off: "Done: shipment emails for {customer} are now off.",
    optout_notice_on: "Done: shipment emails for {customer} are on again.",
    optout_forbidden: "This form can only be sent from the portal's own order page.",
    optout_invalid: "The form could not be read. Go back to the order page and try again.",
  },
  es: {
    status_label_created: "Etiqueta creada",
    status_picked_up: "Recogido",
    status_in_transit: "En tránsito",
    status_out_for_delivery: "En reparto",
    status_delivered: "Entregado",
    status_exception: "Incidencia en la entrega",
    overdue: "Con retraso",
    last_updated: "Actualizado {time}",
    track_on_carrier: "Seguir en la web de {carrier}",
    email_subject: "Pedido {order}: {status}",
    email_title: "Su envío: {status}",
    email_greeting: "Hola, {name}:",
    email_body: "El envío {tracking} ({carrier}) de su pedido {order} está ahora: {status}.",
    email_delivered: "Se entregó el {date}.",
    email_estimate: "Entrega estimada: {date}.",
    email_exception:
      "El transportista ha informado de un problema: {detail}. Lo estamos siguiendo; contacte con nosotros si necesita la mercancía con urgencia.",
    email_button: "Ver su pedido",
    email_no_link: "Abra su enlace al portal para ver el pedido y su seguimiento.",
    email_optout:
      "Recibe estos avisos porque {org} envía sus pedidos a través del MonoPilot Customer Portal. Para dejar de recibir avisos de envío, elija «Dejar de recibir avisos de envío» en la página del pedido.",
    email_contact: "¿Preguntas? Contacte con {org}: {email}, {phone}.",
    optout_on: "Los avisos de envío están desactivados.",
    optout_off: "Recibirá un correo cuando cambie el estado de un envío.",
    optout_button_stop: "Dejar de recibir avisos de envío",
    optout_button_resume: "Volver a recibir avisos de envío",
    optout_title: "Avisos de envío por correo",
    optout_state_on:
      "Los avisos de envío para {customer} están activados: {email} recibe un correo cuando cambia el estado de un envío.",
    optout_state_off: "Los avisos de envío para {customer} están desactivados.",
    optout_scope:
      "Este ajuste es para {customer} en su conjunto, en todos sus enlaces al portal, porque los avisos van a su única dirección de correo.",
    optout_notice_off: "Hecho: los avisos de envío para {customer} están desactivados.",
    optout_notice_on: "Hecho: los avisos de envío para {customer} vuelven a estar activados.",
    optout_forbidden:
      "Este formulario solo puede enviarse desde la página del pedido en el portal.",
    optout_invalid:
      "No se pudo leer el formulario. Vuelva a la página del pedido e inténtelo de nuevo.",
  },
  pl: {
    status_label_created: "Etykieta utworzona",
    status_picked_up: "Odebrano od nadawcy",
    status_in_transit: "W drodze",
    status_out_for_delivery: "W doręczeniu",
    status_delivered: "Doręczono",
    status_exception: "Problem z doręczeniem",
    overdue: "Opóźnienie",
    last_updated: "Zaktualizowano {time}",
    track_on_carrier: "Śledź na stronie {carrier}",
    email_subject: "Zamówienie {order}: {status}",
    email_title: "Twoja przesyłka: {status}",
    email_greeting: "Dzień dobry, {name},",
    email_body: "Przesyłka {tracking} ({carrier}) z zamówienia {order} ma teraz status: {status}.",
    email_delivered: "Doręczono {date}.",
    email_estimate: "Przewidywana dostawa: {date}.",
    email_exception:
      "Przewoźnik zgłosił problem: {detail}. Zajmujemy się tym; skontaktuj się z nami, jeśli towar jest pilnie potrzebny.",
    email_button: "Zobacz zamówienie",
    email_no_link: "Otwórz swój link do portalu, aby zobaczyć zamówienie i historię przesyłki.",
    email_optout:
      "Otrzymujesz te powiadomienia, ponieważ {org} wysyła Twoje zamówienia przez MonoPilot Customer Portal. Aby wyłączyć powiadomienia o przesyłkach, wybierz „Wyłącz powiadomienia o przesyłkach” na stronie zamówienia.",
    email_contact: "Pytania? Skontaktuj się z {org}: {email}, {phone}.",
    optout_on: "Powiadomienia o przesyłkach są wyłączone.",
    optout_off: "Otrzymasz e-mail, gdy zmieni się status przesyłki.",
    optout_button_stop: "Wyłącz powiadomienia o przesyłkach",
    optout_button_resume: "Włącz powiadomienia o przesyłkach",
    optout_title: "Powiadomienia e-mail o przesyłkach",
    optout_state_on:
      "Powiadomienia o przesyłkach dla {customer} są włączone: {email} dostaje e-mail, gdy zmieni się status przesyłki.",
    optout_state_off: "Powiadomienia o przesyłkach dla {customer} są wyłączone.",
    optout_scope:
      "To ustawienie dotyczy całej firmy {customer}, na każdym linku do portalu, bo powiadomienia trafiają na jej jeden adres.",
    optout_notice_off: "Gotowe: powiadomienia o przesyłkach dla {customer} są wyłączone.",
    optout_notice_on: "Gotowe: powiadomienia o przesyłkach dla {customer} są znowu włączone.",
    optout_forbidden: "Ten formularz można wysłać tylko ze strony zamówienia w portalu.",
    optout_invalid:
      "Nie udało się odczytać formularza. Wróć do strony zamówienia i spróbuj ponownie.",
  },
});

// Carrier display names and public tracking-page links live in lib/orders/carrier_links.ts.
