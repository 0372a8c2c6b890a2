import escapeHtml from "escape-html";
import Negotiator from "negotiator";

/** The languages a passcode email is written in; the first is the fallback. */
export const EMAIL_LANGUAGES = ["en", "de"] as const;

export type EmailLanguage = (typeof EMAIL_LANGUAGES)[number];

/** The language of a request's `Accept-Language` that a passcode email can be written in, by its preferences; English when none fits. */
export function emailLanguageOf(acceptLanguage: string | undefined): EmailLanguage {
  const chosen = new Negotiator({ headers: { "accept-language": acceptLanguage ?? "" } }).language([...EMAIL_LANGUAGES]);
  return EMAIL_LANGUAGES.find((language) => language === chosen) ?? EMAIL_LANGUAGES[0];
}

/** An email, as the outbox keeps it and SMTP sends it. */
export interface EmailMessage {
  language: EmailLanguage;
  subject: string;
  bodyPlain: string;
  bodyHtml: string;
}

interface PasscodeWords {
  subject(code: string, serviceName: string): string;
  /** The line before the code. */
  intro: string;
  /** The line after it: how long the code works. */
  validity(minutes: number): string;
}

/** The passcode email's words in each language, after the reference's template: the code in the subject, a line, the code, how long it works. */
const PASSCODE_WORDS: Record<EmailLanguage, PasscodeWords> = {
  en: {
    subject: (code, serviceName) => `${code} is your passcode for ${serviceName}`,
    intro: "Enter this passcode to confirm that it is you:",
    validity: (minutes) => `It works for ${minutes === 1 ? "1 minute" : `${minutes} minutes`}.`,
  },
  de: {
    subject: (code, serviceName) => `${code} ist Ihr Passcode für ${serviceName}`,
    intro: "Geben Sie diesen Passcode ein, um zu bestätigen, dass Sie es sind:",
    validity: (minutes) => `Er gilt ${minutes === 1 ? "1 Minute" : `${minutes} Minuten`} lang.`,
  },
};

/** The email that carries a passcode, in plain text and HTML. */
export function passcodeMessage({
  code,
  ttlSeconds,
  serviceName,
  language,
}: {
  code: string;
  ttlSeconds: number;
  serviceName: string;
  language: EmailLanguage;
}): EmailMessage {
  const words = PASSCODE_WORDS[language];
  const subject = words.subject(code, serviceName);
  // Whole minutes, at least one, as the reference rounds them.
  const validity = words.validity(Math.max(1, Math.round(ttlSeconds / 60)));
  const bodyPlain = `${words.intro}\n\n${code}\n\n${validity}\n`;
  const bodyHtml = `<!doctype html>
<html lang="${language}">
<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#16181d;background:#ffffff">
<p style="margin:0 0 16px">${escapeHtml(words.intro)}</p>
<p style="margin:0 0 16px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:28px;font-weight:600;letter-spacing:6px">${escapeHtml(code)}</p>
<p style="margin:0;color:#5b6270">${escapeHtml(validity)}</p>
</body>
</html>
`;
  return { language, subject, bodyPlain, bodyHtml };
}

/**
 * The `email.send` webhook's data for a passcode email that Enroll does not send itself
 * (EMAIL_DELIVERY_ENABLED=false), as the reference's: the message, its address and language, and
 * the passcode, for those who send mail their own way.
 */
export function emailSendData(
  message: EmailMessage,
  { to, code, ttlSeconds, serviceName, validUntil }: { to: string; code: string; ttlSeconds: number; serviceName: string; validUntil: Date },
) {
  return {
    subject: message.subject,
    body_plain: message.bodyPlain,
    body: message.bodyHtml,
    to_email_address: to,
    delivered_by_hanko: false,
    accept_language: message.language,
    language: message.language,
    type: "passcode",
    data: { service_name: serviceName, otp_code: code, ttl: ttlSeconds, valid_until: Math.floor(validUntil.getTime() / 1000) },
  };
}
