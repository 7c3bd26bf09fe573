/**
 * The Report Issue strings in the three languages, for the modal island, the no-JS form page,
 * the API's per-field error messages and the two emails. Only plain strings (no plural forms),
 * so the island can receive its locale's slice as props and fill `{name}` itself.
 */
import { defineMessages } from "@/lib/i18n/messages.ts";

export const issueMessages = defineMessages("issues", {
  en: {
    report_issue: "Report Issue",
    title: "Report Order Issue",
    close: "Close",
    order: "Order: {order}",
    issue_type: "Issue Type",
    issue_type_placeholder: "Select issue type...",
    type_damaged: "Damaged items",
    type_missing: "Missing items",
    type_wrong_items: "Wrong items received",
    type_delayed: "Delayed delivery",
    type_quality: "Quality issue",
    type_other: "Other",
    description: "Description",
    description_placeholder: "Please describe the issue in detail",
    counter: "{n} / 1000 characters",
    photos: "Upload Photos (optional)",
    photos_hint: "Max 5 files, 10 MB each (JPG, PNG, PDF)",
    remove_file: "Remove {name}",
    contact_email: "Contact Email",
    contact_phone: "Phone (optional)",
    required: "required",
    cancel: "Cancel",
    submit: "Submit Report",
    submitting: "Sending…",
    success: "Issue reported. We'll contact you within 24 hours.",
    ticket_ref: "Your ticket number is {ticket}.",
    back_to_order: "Back to order",
    err_summary: "Please correct the highlighted fields.",
    err_issue_type: "Choose an issue type.",
    err_description_short: "Describe the issue in at least 10 characters.",
    err_description_long: "Keep the description to 1000 characters or fewer.",
    err_email: "Enter a valid email address.",
    err_phone: "Enter a valid phone number (digits, spaces, + - ( ) only).",
    err_too_many_files: "Attach at most 5 files.",
    err_file_too_large: "Each file must be 10 MB or smaller.",
    err_file_type: "Only JPG, PNG or PDF files are accepted.",
    err_file_empty: "This file is empty.",
    err_body_too_large: "The upload is too large (at most 5 files of 10 MB).",
    err_bad_form: "The form could not be read. Please try again.",
    err_generic: "Something went wrong. Please try again.",
    err_retry: "Your report could not be saved. Please send it again.",
    err_photo_gone: "A photo could not be kept. Please attach it again and send the report.",
    err_photo_quota:
      "Today's limit for photos from your company is reached. Send the report without photos, or add them tomorrow.",
    err_key_reused:
      "This form was already used to send a different report. Check the details and send it again to make a new report.",
    err_cross_site: "This form can only be sent from the order page in the customer portal.",
    email_support_subject: "New issue {ticket}: {type} on order {order}",
    email_support_intro: "{customer} reported an issue with order {order}.",
    email_confirm_subject: "We received your report {ticket} for order {order}",
    email_confirm_intro: "We received a report about order {order}. Its ticket number is {ticket}.",
    email_confirm_next:
      "What happens next: our support team reviews the report and contacts you within 24 hours. To add anything, reply to this email and keep the ticket number in the subject.",
    email_confirm_why:
      "You receive this email because this address was given as the contact in a report on the customer portal. If you did not send one, you can ignore this email.",
    email_field_ticket: "Ticket",
    email_field_type: "Issue type",
    email_field_description: "Description",
    email_field_contact: "Contact",
    email_field_photos: "Photos",
    email_no_photos: "No photos attached.",
  },
  es: {
    report_issue: "Informar de un problema",
    title: "Informar de un problema con el pedido",
    close: "Cerrar",
    order: "Pedido: {order}",
    issue_type: "Tipo de problema",
    issue_type_placeholder: "Seleccione el tipo de problema...",
    type_damaged: "Artículos dañados",
    type_missing: "Artículos que faltan",
    type_wrong_items: "Artículos equivocados",
    type_delayed: "Entrega retrasada",
    type_quality: "Problema de calidad",
    type_other: "Otro",
    description: "Descripción",
    description_placeholder: "Describa el problema con detalle",
    counter: "{n} / 1000 caracteres",
    photos: "Subir fotos (opcional)",
    photos_hint: "Máx. 5 archivos de 10 MB cada uno (JPG, PNG, PDF)",
    remove_file: "Quitar {name}",
    contact_email: "Correo de contacto",
    contact_phone: "Teléfono (opcional)",
    required: "obligatorio",
    cancel: "Cancelar",
    submit: "Enviar informe",
    submitting: "Enviando…",
    success: "Problema informado. Le contactaremos en un plazo de 24 horas.",
    ticket_ref: "Su número de incidencia es {ticket}.",
    back_to_order: "Volver al pedido",
    err_summary: "Corrija los campos señalados.",
    err_issue_type: "Elija un tipo de problema.",
    err_description_short: "Describa el problema con al menos 10 caracteres.",
    err_description_long: "La descripción no puede superar los 1000 caracteres.",
    err_email: "Introduzca un correo electrónico válido.",
    err_phone: "Introduzca un teléfono válido (solo dígitos, espacios, + - ( )).",
    err_too_many_files: "Adjunte como máximo 5 archivos.",
    err_file_too_large: "Cada archivo debe ocupar 10 MB o menos.",
    err_file_type: "Solo se aceptan archivos JPG, PNG o PDF.",
    err_file_empty: "Este archivo está vacío.",
    err_body_too_large: "La subida es demasiado grande (máximo 5 archivos de 10 MB).",
    err_bad_form: "No se pudo leer el formulario. Inténtelo de nuevo.",
    err_generic: "Algo ha fallado. Inténtelo de nuevo.",
    err_retry: "No se pudo guardar su informe. Envíelo de nuevo.",
    err_photo_gone: "No se pudo conservar una foto. Adjúntela de nuevo y envíe el informe.",
    err_photo_quota:
      "Se ha alcanzado el límite diario de fotos de su empresa. Envíe el informe sin fotos o añádalas mañana.",
    err_key_reused:
      "Este formulario ya se usó para enviar otro informe. Revise los datos y envíelo de nuevo para crear un informe nuevo.",
    err_cross_site:
      "Este formulario solo puede enviarse desde la página del pedido en el portal de clientes.",
    email_support_subject: "Nueva incidencia {ticket}: {type} en el pedido {order}",
    email_support_intro: "{customer} ha informado de un problema con el pedido {order}.",
    email_confirm_subject: "Hemos recibido su informe {ticket} del pedido {order}",
    email_confirm_intro:
      "Hemos recibido un informe sobre el pedido {order}. Su número de incidencia es {ticket}.",
    email_confirm_next:
      "Qué ocurre ahora: nuestro equipo de soporte revisa el informe y le contactará en un plazo de 24 horas. Para añadir algo, responda a este correo y conserve el número de incidencia en el asunto.",
    email_confirm_why:
      "Recibe este correo porque esta dirección se indicó como contacto en un informe del portal de clientes. Si usted no lo envió, puede ignorar este correo.",
    email_field_ticket: "Incidencia",
    email_field_type: "Tipo de problema",
    email_field_description: "Descripción",
    email_field_contact: "Contacto",
    email_field_photos: "Fotos",
    email_no_photos: "No se adjuntaron fotos.",
  },
  pl: {
    report_issue: "Zgłoś problem",
    title: "Zgłoś problem z zamówieniem",
    close: "Zamknij",
    order: "Zamówienie: {order}",
    issue_type: "Rodzaj problemu",
    issue_type_placeholder: "Wybierz rodzaj problemu...",
    type_damaged: "Uszkodzone produkty",
    type_missing: "Brakujące produkty",
    type_wrong_items: "Otrzymano niewłaściwe produkty",
    type_delayed: "Opóźniona dostawa",
    type_quality: "Problem z jakością",
    type_other: "Inne",
    description: "Opis",
    description_placeholder: "Opisz dokładnie problem",
    counter: "{n} / 1000 znaków",
    photos: "Dodaj zdjęcia (opcjonalnie)",
    photos_hint: "Maks. 5 plików po 10 MB (JPG, PNG, PDF)",
    remove_file: "Usuń {name}",
    contact_email: "E-mail kontaktowy",
    contact_phone: "Telefon (opcjonalnie)",
    required: "wymagane",
    cancel: "Anuluj",
    submit: "Wyślij zgłoszenie",
    submitting: "Wysyłanie…",
    success: "Problem zgłoszony. Skontaktujemy się w ciągu 24 godzin.",
    ticket_ref: "Numer zgłoszenia: {ticket}.",
    back_to_order: "Wróć do zamówienia",
    err_summary: "Popraw zaznaczone pola.",
    err_issue_type: "Wybierz rodzaj problemu.",
    err_description_short: "Opisz problem, używając co najmniej 10 znaków.",
    err_description_long: "Opis może mieć najwyżej 1000 znaków.",
    err_email: "Podaj poprawny adres e-mail.",
    err_phone: "Podaj poprawny numer telefonu (tylko cyfry, spacje, + - ( )).",
    err_too_many_files: "Dołącz najwyżej 5 plików.",
    err_file_too_large: "Każdy plik może mieć najwyżej 10 MB.",
    err_file_type: "Akceptujemy tylko pliki JPG, PNG lub PDF.",
    err_file_empty: "Ten plik jest pusty.",
    err_body_too_large: "Przesyłane dane są za duże (najwyżej 5 plików po 10 MB).",
    err_bad_form: "Nie udało się odczytać formularza. Spróbuj ponownie.",
    err_generic: "Coś poszło nie tak. Spróbuj ponownie.",
    err_retry: "Nie udało się zapisać zgłoszenia. Wyślij je ponownie.",
    err_photo_gone: "Nie udało się zachować zdjęcia. Dołącz je ponownie i wyślij zgłoszenie.",
    err_photo_quota:
      "Osiągnięto dzienny limit zdjęć Twojej firmy. Wyślij zgłoszenie bez zdjęć albo dodaj je jutro.",
    err_key_reused:
      "Ten formularz został już użyty do wysłania innego zgłoszenia. Sprawdź dane i wyślij go ponownie, aby utworzyć nowe zgłoszenie.",
    err_cross_site: "Ten formularz można wysłać tylko ze strony zamówienia w portalu klienta.",
    email_support_subject: "Nowe zgłoszenie {ticket}: {type}, zamówienie {order}",
    email_support_intro: "{customer} zgłosił problem z zamówieniem {order}.",
    email_confirm_subject: "Otrzymaliśmy zgłoszenie {ticket} dotyczące zamówienia {order}",
    email_confirm_intro:
      "Otrzymaliśmy zgłoszenie dotyczące zamówienia {order}. Numer zgłoszenia: {ticket}.",
    email_confirm_next:
      "Co dalej: nasz zespół wsparcia przejrzy zgłoszenie i skontaktuje się w ciągu 24 godzin. Aby coś dodać, odpowiedz na tę wiadomość i zachowaj numer zgłoszenia w temacie.",
    email_confirm_why:
      "Otrzymujesz tę wiadomość, ponieważ ten adres podano jako kontaktowy w zgłoszeniu w portalu klienta. Jeśli nic nie wiesz o tym zgłoszeniu, możesz zignorować tę wiadomość.",
    email_field_ticket: "Zgłoszenie",
    email_field_type: "Rodzaj problemu",
    email_field_description: "Opis",
    email_field_contact: "Kontakt",
    email_field_photos: "Zdjęcia",
    email_no_photos: "Brak załączonych zdjęć.",
  },
});

export type IssueMessageKey = keyof typeof issueMessages.catalogue.en;

/** The strings the island and the form page need, for one locale (JSON-serializable props). */
export function formMessages(locale: "en" | "es" | "pl"): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(issueMessages.catalogue[locale])) {
    if (!k.startsWith("email_")) out[k] = v as string;
  }
  return out;
}

/**
 * The support workflow's strings: status names as the customer reads them (`status_*`) and
 * as staff do (`staff_status_*`), and the two customer emails (a reply, a resolved ticket).
 */
export const workflowMessages = defineMessages("issues.workflow", {
  en: {
    status_open: "Received",
    status_in_progress: "In progress",
    status_waiting_on_customer: "Waiting for your reply",
    status_resolved: "Resolved",
    staff_status_open: "Open",
    staff_status_in_progress: "In progress",
    staff_status_waiting_on_customer: "Waiting on customer",
    staff_status_resolved: "Resolved",
    email_reply_subject: "New reply to your report {ticket} (order {order})",
    email_reply_intro: "{org} replied to your report {ticket} about order {order}:",
    email_resolved_subject: "Your report {ticket} is resolved (order {order})",
    email_resolved_intro: "{org} has marked your report {ticket} about order {order} as resolved.",
    email_resolved_reopen:
      "If the problem is not solved, reply to this email and we will look again.",
    email_status: "Status: {status}",
    email_reply_how: "To answer, reply to this email.",
    email_portal_hint:
      "You can also read the replies to your reports on the order's page in the customer portal, under “Your reports”.",
  },
  es: {
    status_open: "Recibida",
    status_in_progress: "En curso",
    status_waiting_on_customer: "Esperando su respuesta",
    status_resolved: "Resuelta",
    staff_status_open: "Abierta",
    staff_status_in_progress: "En curso",
    staff_status_waiting_on_customer: "Esperando al cliente",
    staff_status_resolved: "Resuelta",
    email_reply_subject: "Nueva respuesta a su informe {ticket} (pedido {order})",
    email_reply_intro: "{org} ha respondido a su informe {ticket} sobre el pedido {order}:",
    email_resolved_subject: "Su informe {ticket} está resuelto (pedido {order})",
    email_resolved_intro:
      "{org} ha marcado como resuelto su informe {ticket} sobre el pedido {order}.",
    email_resolved_reopen:
      "Si el problema no está solucionado, responda a este correo y lo revisaremos de nuevo.",
    email_status: "Estado: {status}",
    email_reply_how: "Para contestar, responda a este correo.",
    email_portal_hint:
      "También puede leer las respuestas a sus informes en la página del pedido del portal de clientes, en «Sus informes».",
  },
  pl: {
    status_open: "Przyjęte",
    status_in_progress: "W toku",
    status_waiting_on_customer: "Czeka na Twoją odpowiedź",
    status_resolved: "Rozwiązane",
    staff_status_open: "Otwarte",
    staff_status_in_progress: "W toku",
    staff_status_waiting_on_customer: "Czeka na klienta",
    staff_status_resolved: "Rozwiązane",
    email_reply_subject: "Nowa odpowiedź na zgłoszenie {ticket} (zamówienie {order})",
    email_reply_intro:
      "Odpowiedź od {org} na Twoje zgłoszenie {ticket} dotyczące zamówienia {order}:",
    email_resolved_subject: "Zgłoszenie {ticket} zostało rozwiązane (zamówienie {order})",
    email_resolved_intro:
      "{org} oznacza Twoje zgłoszenie {ticket} dotyczące zamówienia {order} jako rozwiązane.",
    email_resolved_reopen:
      "Jeśli problem nie został rozwiązany, odpowiedz na tę wiadomość, a zajmiemy się nim ponownie.",
    email_status: "Status: {status}",
    email_reply_how: "Aby odpowiedzieć, odpisz na tę wiadomość.",
    email_portal_hint:
      "Odpowiedzi na zgłoszenia możesz też przeczytać na stronie zamówienia w portalu klienta, w sekcji „Twoje zgłoszenia”.",
  },
});

export type WorkflowMessageKey = keyof typeof workflowMessages.catalogue.en;
