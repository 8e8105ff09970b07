/**
 * Survey form island: shows a conditional question only while the answer it depends on is given, as the
 * server asks it. Without JavaScript every question is shown with a sentence saying who should answer it,
 * and the server drops answers to questions whose condition is not met.
 *
 * Markup contract (rendered by src/modules/outreach/surveys.ui.tsx, QuestionField):
 * - `.survey-form` holds the questions; a conditional one has `data-show-if` (the id of the question it
 *   depends on) and `data-show-if-values` (space-separated values that show it);
 * - each answer's inputs are named `a.<questionId>`.
 */

function chosenValues(form: HTMLFormElement, questionId: string): string[] {
  const values: string[] = [];
  for (const element of Array.from(form.elements)) {
    if (!(element instanceof HTMLInputElement) || element.name !== `a.${questionId}` || element.disabled) continue;
    if ((element.type === 'radio' || element.type === 'checkbox') && !element.checked) continue;
    values.push(element.value);
  }
  return values;
}

function update(form: HTMLFormElement): void {
  // Top to bottom: a question hidden because of an earlier one hides those that depend on it.
  for (const block of Array.from(form.querySelectorAll<HTMLElement>('[data-show-if]'))) {
    const source = block.dataset.showIf ?? '';
    const wanted = (block.dataset.showIfValues ?? '').split(' ').filter(Boolean);
    const shown = chosenValues(form, source).some((value) => wanted.includes(value));
    block.hidden = !shown;
    for (const control of Array.from(
      block.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea'),
    )) {
      control.disabled = !shown;
    }
  }
}

for (const form of Array.from(document.querySelectorAll<HTMLFormElement>('form.survey-form'))) {
  update(form);
  form.addEventListener('change', () => update(form));
}
