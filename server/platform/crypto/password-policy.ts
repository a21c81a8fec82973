/**
 * Password length rules, apart from the hashing code so the console's forms can import them
 * (this file must stay free of Node imports: it is bundled for the browser).
 */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;
