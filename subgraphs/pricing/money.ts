export interface Money {
  amountCents: number;
  currency: string;
  formatted: string;
}

const formatters = new Map<string, Intl.NumberFormat>();

/** Money from integer cents; formatters are cached because building one costs more than formatting. */
export function money(amountCents: number, currency: string): Money {
  let formatter = formatters.get(currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    formatters.set(currency, formatter);
  }
  return { amountCents, currency, formatted: formatter.format(amountCents / 100) };
}
