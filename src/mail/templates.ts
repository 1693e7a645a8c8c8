import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every mail Gatehouse sends, by template name. */
export type TemplateName = 'verify-email' | 'confirm-email-change' | 'email-changed' | 'address-in-use' | 'password-reset' | 'test';
export const TEMPLATE_NAMES: readonly TemplateName[] = ['verify-email', 'confirm-email-change', 'email-changed', 'address-in-use', 'password-reset', 'test'];

/** What a template may use, as `{{name}}`: the link (with its one-time token), the account's username, the addresses. */
export interface TemplateVars {
  link?: string;
  username?: string;
  email?: string;
  newEmail?: string;
}

export interface MailTemplate {
  subject: string;
  text: string;
  html: string;
}

export interface RenderedMail extends MailTemplate {}

const html = (body: string) => `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">${body}</body></html>`;

/** The built-in templates: short, plain, in English. Replace them with EMAIL_TEMPLATES_DIR or the `renderMail` hook. */
export const BUILT_IN_TEMPLATES: Readonly<Record<TemplateName, MailTemplate>> = {
  'verify-email': {
    subject: 'Confirm your e-mail address',
    text: 'Hello {{username}},\n\nplease confirm your e-mail address by opening this link:\n\n{{link}}\n\nIf you did not sign up, ignore this mail.\n',
    html: html('<p>Hello {{username}},</p><p>please confirm your e-mail address:</p><p><a href="{{link}}">Confirm my address</a></p><p>If you did not sign up, ignore this mail.</p>'),
  },
  'confirm-email-change': {
    subject: 'Confirm your new e-mail address',
    text: 'Hello {{username}},\n\nto use {{newEmail}} for your account, open this link:\n\n{{link}}\n\nIf you did not ask for this, ignore this mail.\n',
    html: html('<p>Hello {{username}},</p><p>to use {{newEmail}} for your account, confirm it:</p><p><a href="{{link}}">Use this address</a></p><p>If you did not ask for this, ignore this mail.</p>'),
  },
  'email-changed': {
    subject: 'Your e-mail address was changed',
    text: 'Hello {{username}},\n\nthe e-mail address of your account was changed from {{email}} to {{newEmail}}.\n\nIf you did not do this, reset your password and contact us.\n',
    html: html('<p>Hello {{username}},</p><p>the e-mail address of your account was changed from {{email}} to {{newEmail}}.</p><p>If you did not do this, reset your password and contact us.</p>'),
  },
  'address-in-use': {
    subject: 'Someone tried to use your e-mail address',
    text: 'Hello,\n\nsomeone tried to sign up (or to move an account) with {{email}}, which already belongs to an account.\n\nIf it was you: sign in, or ask for a password reset if you forgot your password. If not, you can ignore this mail.\n',
    html: html('<p>Hello,</p><p>someone tried to sign up (or to move an account) with {{email}}, which already belongs to an account.</p><p>If it was you: sign in, or ask for a password reset if you forgot your password. If not, you can ignore this mail.</p>'),
  },
  'password-reset': {
    subject: 'Reset your password',
    text: 'Hello {{username}},\n\nto choose a new password, open this link:\n\n{{link}}\n\nIf you did not ask for this, ignore this mail: your password stays as it is.\n',
    html: html('<p>Hello {{username}},</p><p>to choose a new password, open this link:</p><p><a href="{{link}}">Choose a new password</a></p><p>If you did not ask for this, ignore this mail: your password stays as it is.</p>'),
  },
  test: {
    subject: 'Gatehouse test mail',
    text: 'This is a test mail from Gatehouse (gatehouse-graphql mail test). Mail delivery works.\n',
    html: html('<p>This is a test mail from Gatehouse (<code>gatehouse-graphql mail test</code>). Mail delivery works.</p>'),
  },
};

/**
 * The templates in use: the built-in ones, each part replaced by a file of
 * `EMAIL_TEMPLATES_DIR` when there is one (`NAME.subject.txt`, `NAME.txt`, `NAME.html`),
 * read once at start-up.
 *
 * @example loadTemplates('/etc/gatehouse/mail')['password-reset'].subject
 */
export function loadTemplates(dir: string | null): Readonly<Record<TemplateName, MailTemplate>> {
  if (!dir) return BUILT_IN_TEMPLATES;
  const read = (file: string, fallback: string) => {
    const path = join(dir, file);
    return existsSync(path) ? readFileSync(path, 'utf8') : fallback;
  };
  const templates = {} as Record<TemplateName, MailTemplate>;
  for (const name of TEMPLATE_NAMES) {
    const builtIn = BUILT_IN_TEMPLATES[name];
    templates[name] = {
      subject: read(`${name}.subject.txt`, builtIn.subject).trim(),
      text: read(`${name}.txt`, builtIn.text),
      html: read(`${name}.html`, builtIn.html),
    };
  }
  return templates;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function fill(template: string, vars: TemplateVars, escape: (value: string) => string): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_all, name: string) => escape(String((vars as Record<string, unknown>)[name] ?? '')));
}

/**
 * One mail from its template: `{{name}}` replaced by the variable (HTML-escaped in the
 * HTML part; the subject loses line breaks). Pure.
 *
 * @example renderTemplate(BUILT_IN_TEMPLATES.test, {}).subject // 'Gatehouse test mail'
 */
export function renderTemplate(template: MailTemplate, vars: TemplateVars): RenderedMail {
  return {
    subject: fill(template.subject, vars, (v) => v).replace(/[\r\n]+/g, ' '),
    text: fill(template.text, vars, (v) => v),
    html: fill(template.html, vars, escapeHtml),
  };
}

/** A link template with the token in it (`{token}`, URL-encoded). */
export function linkWith(template: string, token: string): string {
  return template.split('{token}').join(encodeURIComponent(token));
}
