import { optionalText, textOf, type FormBody, type Problem } from '../formFields.js';

const commentLimit = 2000;

/** A party's feedback: a rating from 1 (very dissatisfied) to 5 (very satisfied) and an optional comment. */
export function readFeedback(body: FormBody): { rating?: number; comment?: string; problems: Problem[] } {
  const problems: Problem[] = [];
  const rating = textOf(body, 'rating');
  if (!/^[1-5]$/.test(rating)) problems.push({ field: 'rating', href: '#rating', text: 'Select how you felt about the service' });
  const comment = optionalText(body, 'comment');
  if (comment && comment.length > commentLimit) {
    problems.push({ field: 'comment', href: '#comment', text: 'How we could improve the service must be 2,000 characters or less' });
  }
  return problems.length ? { problems } : { rating: Number(rating), ...(comment ? { comment } : {}), problems };
}
