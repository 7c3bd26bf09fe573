/** Strings of the pages outside a link: the landing page, 404 and 500. */
import { defineMessages } from "@/lib/i18n/messages.ts";

export const siteMessages = defineMessages("site", {
  en: {
    "landing.title": "Follow your orders",
    "landing.lead":
      "This portal shows the orders, shipments and documents your supplier shares with you.",
    "landing.how":
      "To open it, use the personal link in the email from your supplier. The link is your key: there is no password.",
    "landing.lost":
      "Lost the email, or the link stopped working? Ask your supplier's sales team for a new link.",
    "notFound.title": "Page not found",
    "notFound.body": "There is nothing at this address.",
    "notFound.home": "Go to the start page",
    "error.title": "Something went wrong",
    "error.retry": "Please try again in a moment.",
  },
  es: {
    "landing.title": "Siga sus pedidos",
    "landing.lead":
      "Este portal muestra los pedidos, envíos y documentos que su proveedor comparte con usted.",
    "landing.how":
      "Para abrirlo, use el enlace personal del correo de su proveedor. El enlace es su llave: no hay contraseña.",
    "landing.lost":
      "¿Perdió el correo o el enlace ya no funciona? Pida un enlace nuevo al equipo de ventas de su proveedor.",
    "notFound.title": "Página no encontrada",
    "notFound.body": "No hay nada en esta dirección.",
    "notFound.home": "Ir a la página de inicio",
    "error.title": "Algo salió mal",
    "error.retry": "Inténtelo de nuevo en un momento.",
  },
  pl: {
    "landing.title": "Śledź swoje zamówienia",
    "landing.lead":
      "Ten portal pokazuje zamówienia, przesyłki i dokumenty, które udostępnia Ci dostawca.",
    "landing.how":
      "Aby go otworzyć, użyj osobistego linku z e-maila od dostawcy. Link jest kluczem: nie ma hasła.",
    "landing.lost":
      "Zgubiony e-mail lub link przestał działać? Poproś dział sprzedaży dostawcy o nowy link.",
    "notFound.title": "Nie znaleziono strony",
    "notFound.body": "Pod tym adresem nic nie ma.",
    "notFound.home": "Przejdź do strony startowej",
    "error.title": "Coś poszło nie tak",
    "error.retry": "Spróbuj ponownie za chwilę.",
  },
});
