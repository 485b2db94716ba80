/** zod fields more than one role's configuration shares. */
import { z } from 'zod';

/** Kafka bootstrap brokers: `host:port` strings, as a list or one comma-separated string. */
export const kafkaBrokers = z.union([z.string(), z.array(z.string())]).transform((v, ctx) => {
  const list = (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'at least one broker host:port is needed' });
  for (const b of list) if (!/^[^\s:]+:\d{1,5}$/.test(b)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `broker ${JSON.stringify(b)} is not host:port` });
  return list;
});
