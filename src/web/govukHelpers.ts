import type { HelperOptions } from 'handlebars';
import Handlebars from 'handlebars';

/**
 * Handlebars helpers for the GOV.UK components (and MoJ's timeline) ported to templates/partials.
 * The partials hold the markup; these hold what the Nunjucks templates work
 * out with `set` and filters, under the same names, so each port can be read
 * side by side with its original.
 */

type Hbs = typeof Handlebars;
// Component options are whatever GOV.UK's macro options allow: loose by nature.
type Params = Record<string, any>;

const { SafeString, escapeExpression } = Handlebars;

/** Drops the options object Handlebars appends to every helper's arguments. */
const argsOf = (args: unknown[]) => args.slice(0, -1);
const optionsOf = (args: unknown[]) => args[args.length - 1] as HelperOptions;

const isSafe = (v: unknown): v is Handlebars.SafeString => v instanceof SafeString;
const isMapping = (v: unknown): v is Params => typeof v === 'object' && v !== null && !Array.isArray(v) && !isSafe(v);

/** `govukAttributes` from govuk/macros/attributes.njk. */
function govukAttributes(attributes: unknown): Handlebars.SafeString {
  if (typeof attributes === 'string' || isSafe(attributes)) return new SafeString(String(attributes));
  if (!isMapping(attributes)) return new SafeString('');
  let html = '';
  for (const [name, item] of Object.entries(attributes)) {
    const options: { value?: unknown; optional?: boolean } = isMapping(item) ? item : { value: item, optional: false };
    const value = options.value ?? null;
    const valueEscaped = value === null ? '' : isSafe(value) ? String(value) : escapeExpression(String(value));
    if (options.optional === true && value === true) html += ` ${escapeExpression(name)}`;
    else if (options.optional !== true || (value !== null && value !== false)) html += ` ${escapeExpression(name)}="${valueEscaped}"`;
  }
  return new SafeString(html);
}

/** MoJ's attributes loop (moj/components/timeline/template.njk): every name and value as given, both escaped. */
function mojAttributes(attributes: unknown): Handlebars.SafeString {
  if (!isMapping(attributes)) return new SafeString('');
  const html = Object.entries(attributes).map(([name, value]) => ` ${escapeExpression(name)}="${escapeExpression(value as string)}"`);
  return new SafeString(html.join(''));
}

/** aria-describedby built up as the templates do: what was given, then the hint's id, then the error's. */
function describedBy(given: unknown, id: string, hint: unknown, errorMessage: unknown): string | undefined {
  const ids = [given, hint ? `${id}-hint` : '', errorMessage ? `${id}-error` : ''].filter((v) => typeof v === 'string' && v !== '');
  return ids.length ? ids.join(' ') : undefined;
}

/** radios/template.njk: the id prefix, describedBy and each item's id, checked state and hint id. */
function radiosModel(params: Params) {
  const idPrefix = params.idPrefix || params.name;
  const items = ((params.items ?? []) as unknown[]).flatMap((item, i) => {
    if (!item) return [];
    const it = item as Params;
    const index = i + 1;
    const id = it.id || (index > 1 ? `${idPrefix}-${index}` : idPrefix);
    const checked = it.checked || (params.value ? it.value == params.value && it.checked !== false : false);
    return [{ ...it, id, name: params.name, checked, hasHint: Boolean(it.hint?.text || it.hint?.html), hintId: `${id}-item-hint`, conditionalId: `conditional-${id}` }];
  });
  return {
    hintId: `${idPrefix}-hint`,
    errorId: `${idPrefix}-error`,
    describedBy: describedBy(params.fieldset?.describedBy, idPrefix, params.hint, params.errorMessage),
    items,
  };
}

/** textarea/template.njk. */
function textareaModel(params: Params) {
  const id = params.id || params.name;
  return {
    id,
    hintId: `${id}-hint`,
    errorId: `${id}-error`,
    describedBy: describedBy(params.describedBy, id, params.hint, params.errorMessage),
    rows: params.rows || 5,
    hasSpellcheck: params.spellcheck === true || params.spellcheck === false,
  };
}

/** input/template.njk: class names, describedBy, the affixes and the input's own attributes. */
function inputModel(params: Params) {
  const id = params.id || params.name;
  const has = (x: Params | undefined) => Boolean(x && (x.text || x.html));
  const by = describedBy(params.describedBy || undefined, id, params.hint, params.errorMessage);
  const classNames = ['govuk-input', params.classes, params.errorMessage ? 'govuk-input--error' : ''].filter(Boolean).join(' ');
  return {
    id,
    hintId: `${id}-hint`,
    errorId: `${id}-error`,
    hasPrefix: has(params.prefix),
    hasSuffix: has(params.suffix),
    hasBeforeInput: has(params.formGroup?.beforeInput),
    hasAfterInput: has(params.formGroup?.afterInput),
    inputAttributes: {
      class: classNames,
      id,
      name: params.name,
      type: params.type || 'text',
      spellcheck: { value: [true, false].includes(params.spellcheck) ? String(params.spellcheck) : false, optional: true },
      value: { value: params.value, optional: true },
      disabled: { value: params.disabled, optional: true },
      'aria-describedby': { value: by, optional: true },
      autocomplete: { value: params.autocomplete, optional: true },
      autocapitalize: { value: params.autocapitalize, optional: true },
      pattern: { value: params.pattern, optional: true },
      inputmode: { value: params.inputmode, optional: true },
    },
  };
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
const orIfUndefined = <T>(value: T | undefined, fallback: T) => (value === undefined ? fallback : value);

/** date-input/template.njk: the day, month and year (or the given items) as govukInput options. */
function dateInputModel(params: Params) {
  const values: Params = params.values ?? {};
  const day = orIfUndefined(params.day, { name: 'day', value: values.day, classes: 'govuk-input--width-2' });
  const month = orIfUndefined(params.month, { name: 'month', value: values.month, classes: 'govuk-input--width-2' });
  const year = orIfUndefined(params.year, { name: 'year', value: values.year, classes: 'govuk-input--width-4' });
  const given: Params[] = params.items?.length ? params.items : [day, month, year];
  const hasError = (item: Params) => Boolean(item.error || item.classes?.includes('govuk-input--error'));
  const anyItemHasError = given.some((item) => item && hasError(item));
  const namePrefix = params.namePrefix ? `${params.namePrefix}-` : '';
  const isPart = (item: Params, part: Params, name: string) => item === part || (item.name && [name, part.name].includes(item.name));

  const items = given.filter(Boolean).map((item) => {
    let itemName = item.name;
    let itemValue = item.value;
    let itemWidth = 2;
    let itemClasses = '';
    for (const [part, name] of [[day, 'day'], [month, 'month'], [year, 'year']] as const) {
      if (isPart(item, part, name)) {
        itemName = orIfUndefined(item.name, name);
        itemValue = orIfUndefined(item.value, part.value);
        if (name === 'year') itemWidth = 4;
        break;
      }
    }
    const hasErrorClass = Boolean(item.classes?.includes('govuk-input--error'));
    if (!hasErrorClass && (hasError(item) || (item.error !== false && params.errorMessage && !anyItemHasError))) itemClasses = 'govuk-input--error';
    if (!item.classes?.includes('govuk-input--width-')) itemClasses = `${itemClasses} govuk-input--width-${itemWidth}`.trim();
    if (item.classes) itemClasses = `${itemClasses} ${item.classes}`.trim();
    return {
      label: { text: item.label || capitalize(String(itemName)), classes: 'govuk-date-input__label' },
      id: item.id || `${params.id}-${itemName}`,
      classes: `govuk-date-input__input${itemClasses ? ` ${itemClasses}` : ''}`,
      name: namePrefix + itemName,
      value: orIfUndefined(itemValue, values[namePrefix + itemName]),
      type: 'text',
      inputmode: item.inputmode || 'numeric',
      autocomplete: item.autocomplete,
      pattern: item.pattern,
      attributes: item.attributes,
    };
  });
  return {
    hintId: `${params.id}-hint`,
    errorId: `${params.id}-error`,
    describedBy: describedBy(params.fieldset?.describedBy, params.id, params.hint, params.errorMessage),
    items,
  };
}

/** panel/template.njk. */
function panelModel(params: Params) {
  const isInterruption = typeof params.classes === 'string' && params.classes.includes('govuk-panel--interruption');
  const actionItems = ((params.actions?.items ?? []) as Params[]).map((a) => ({ ...a, isButton: !a.href || a.type === 'button' }));
  return { headingLevel: params.headingLevel || 1, isInterruption, modifier: isInterruption ? '' : 'govuk-panel--confirmation', actionItems };
}

/** Nunjucks' `in`: an item of a list, a key of a mapping, or part of a string. */
function isIn(value: unknown, container: unknown): boolean {
  if (Array.isArray(container)) return container.includes(value);
  if (typeof container === 'string') return container.includes(String(value));
  if (isMapping(container)) return String(value) in container;
  return false;
}

/** checkboxes/template.njk: like radios, but every item has its own name, checked state from `values` and describedBy. */
function checkboxesModel(params: Params) {
  const idPrefix = params.idPrefix || params.name;
  const by = describedBy(params.fieldset?.describedBy || params.describedBy, idPrefix, params.hint, params.errorMessage);
  const items = ((params.items ?? []) as unknown[]).flatMap((item, i) => {
    if (!item) return [];
    const it = item as Params;
    const index = i + 1;
    const id = it.id || (index > 1 ? `${idPrefix}-${index}` : idPrefix);
    const checked = it.checked || (params.values ? isIn(it.value, params.values) && it.checked != false : false);
    const hasHint = Boolean(it.hint?.text || it.hint?.html);
    const hintId = `${id}-item-hint`;
    // Inside a fieldset the fieldset carries the hint and error; without one, each input does.
    const itemDescribedBy = [params.fieldset ? '' : by, hasHint ? hintId : ''].filter(Boolean).join(' ');
    return [{ ...it, id, name: it.name || params.name, checked, hasHint, hintId, describedBy: itemDescribedBy, conditionalId: `conditional-${id}` }];
  });
  return { hintId: `${idPrefix}-hint`, errorId: `${idPrefix}-error`, describedBy: by, items };
}

/** select/template.njk: the id, describedBy and each option's selected state (by value, or by text when it has none). */
function selectModel(params: Params) {
  const id = params.id || params.name;
  const items = ((params.items ?? []) as unknown[]).flatMap((item) => {
    if (!item) return [];
    const it = item as Params;
    const effectiveValue = orIfUndefined(it.value, it.text);
    const selected = it.selected || (params.value ? effectiveValue == params.value && it.selected != false : false);
    return [{ ...it, hasValue: it.value !== undefined, selected }];
  });
  return { id, hintId: `${id}-hint`, errorId: `${id}-error`, describedBy: describedBy(params.describedBy, id, params.hint, params.errorMessage), items };
}

/** notification-banner/template.njk: the success type's class, role and title, and the title's id and level. */
function notificationBannerModel(params: Params) {
  const successBanner = params.type === 'success';
  return {
    typeClass: successBanner ? `govuk-notification-banner--${params.type}` : '',
    role: params.role || (successBanner ? 'alert' : 'region'),
    titleText: params.titleText || (successBanner ? 'Success' : 'Important'),
    titleId: params.titleId || 'govuk-notification-banner-title',
    titleHeadingLevel: params.titleHeadingLevel || 2,
  };
}

/** summary-list/template.njk: the rows given, which of them need the no-actions class, and the card's heading level. */
function summaryListModel(params: Params) {
  const rows = ((params.rows ?? []) as unknown[]).filter(Boolean) as Params[];
  const anyRowHasActions = rows.some((row) => row.actions?.items?.length);
  return {
    // An empty `items` list still counts as actions, as in Nunjucks, where an empty list is truthy.
    rows: rows.map((row) => ({ ...row, noActions: anyRowHasActions && !row.actions?.items, singleAction: row.actions?.items?.length === 1 })),
    cardTitle: params.card?.title,
    headingLevel: params.card?.title?.headingLevel || 2,
    cardSingleAction: params.card?.actions?.items?.length === 1,
  };
}

/** table/template.njk: the rows given, each cell marked when it is the row's header. */
function tableModel(params: Params) {
  const rows = ((params.rows ?? []) as unknown[]).filter(Boolean) as unknown[][];
  return {
    hasHead: Boolean(params.head),
    rows: rows.map((row) => row.map((cell, i) => ({ ...(cell as Params), isHeader: i === 0 && Boolean(params.firstCellIsHeader) }))),
  };
}

/** task-list/template.njk: each item's hint and status ids, numbered as given (falsy items keep their number). */
function taskListModel(params: Params) {
  const idPrefix = params.idPrefix || 'task-list';
  const items = ((params.items ?? []) as unknown[]).flatMap((item, i) => {
    if (!item) return [];
    const it = item as Params;
    const hintId = `${idPrefix}-${i + 1}-hint`;
    const statusId = `${idPrefix}-${i + 1}-status`;
    return [{ ...it, hintId, statusId, linkDescribedBy: it.hint ? `${hintId} ${statusId}` : statusId }];
  });
  return { items };
}

/** pagination/template.njk: block level (only previous and next), the page items to show and their labels. */
function paginationModel(params: Params) {
  const blockLevel = !params.items && Boolean(params.next || params.previous);
  // Nunjucks `length` counts a mapping's keys: an empty item is left out.
  const lengthOf = (v: unknown) => (isMapping(v) ? Object.keys(v).length : ((v as { length?: number } | undefined)?.length ?? 0));
  const items = ((params.items ?? []) as unknown[])
    .filter((item) => item !== null && lengthOf(item) > 0)
    .map((item) => {
      const it = item as Params;
      return { ...it, ariaLabel: orIfUndefined(it.visuallyHiddenText, `Page ${it.number}`) };
    });
  return {
    blockLevel,
    previous: params.previous?.href ? params.previous : undefined,
    next: params.next?.href ? params.next : undefined,
    hasItems: Boolean(params.items),
    items,
  };
}

/** service-navigation/template.njk: the menu button, the items given, the end slot and whether it is a labelled section. */
function serviceNavigationModel(params: Params) {
  const menuButtonText = params.menuButtonText || 'Menu';
  const end = params.slots?.end;
  const endSlotHtml = typeof end === 'string' ? end : end?.html;
  const navigationItems = ((params.navigation ?? []) as unknown[]).filter(Boolean) as Params[];
  return {
    menuButtonText,
    menuButtonLabel: params.menuButtonLabel && params.menuButtonLabel != menuButtonText ? params.menuButtonLabel : undefined,
    navigationId: params.navigationId || 'navigation',
    navigationLabel: params.navigationLabel || menuButtonText,
    endSlotHtml,
    endSlotInline: isMapping(end) && end.align === 'inline',
    navigationItems: navigationItems.map((item) => ({
      ...item,
      isActive: Boolean(item.active || item.current),
      ariaCurrent: item.current ? 'page' : 'true',
    })),
    collapseNavigationOnMobile: orIfUndefined(params.collapseNavigationOnMobile, navigationItems.length > 1),
    hasNavigation: Boolean(navigationItems.length || params.slots?.navigationStart || params.slots?.navigationEnd),
    isSection: Boolean(params.serviceName || params.slots?.start || endSlotHtml),
    ariaLabel: orIfUndefined(params.ariaLabel, 'Service information'),
  };
}

export function registerGovukHelpers(hbs: Hbs) {
  const models: Record<string, (params: Params) => unknown> = {
    govukRadiosModel: radiosModel,
    govukTextareaModel: textareaModel,
    govukInputModel: inputModel,
    govukDateInputModel: dateInputModel,
    govukPanelModel: panelModel,
    govukCheckboxesModel: checkboxesModel,
    govukSelectModel: selectModel,
    govukNotificationBannerModel: notificationBannerModel,
    govukSummaryListModel: summaryListModel,
    govukTableModel: tableModel,
    govukTaskListModel: taskListModel,
    govukPaginationModel: paginationModel,
    govukServiceNavigationModel: serviceNavigationModel,
  };
  for (const [name, model] of Object.entries(models)) hbs.registerHelper(name, (params: Params) => model(params));

  hbs.registerHelper('govukAttributes', govukAttributes);
  hbs.registerHelper('mojAttributes', mojAttributes);
  /** An object or a list built in a template, to pass as a component's options. */
  hbs.registerHelper('govukObject', (...args: unknown[]) => ({ ...optionsOf(args).hash }));
  hbs.registerHelper('govukArray', (...args: unknown[]) => argsOf(args));
  hbs.registerHelper('govukClassNames', (...args: unknown[]) => argsOf(args).filter((c) => typeof c === 'string' && c.trim()).join(' '));
  hbs.registerHelper('govukWhen', (...args: unknown[]) => {
    const [condition, then, otherwise] = argsOf(args);
    return condition ? then : otherwise;
  });
  hbs.registerHelper('govukOr', (...args: unknown[]) => argsOf(args).find(Boolean) ?? argsOf(args).at(-1));
  hbs.registerHelper('govukAnd', (...args: unknown[]) => argsOf(args).every(Boolean));
  /** Nunjucks `default(value, fallback, true)`. */
  hbs.registerHelper('govukDefault', (value: unknown, fallback: unknown) => value || fallback);
  /** Nunjucks `default(value, fallback)`: only a missing value is replaced. */
  hbs.registerHelper('govukIfUndefined', (value: unknown, fallback: unknown) => orIfUndefined(value, fallback));
  hbs.registerHelper('govukDefined', (value: unknown) => value !== undefined);
  /** Nunjucks `set`: names values for the block without changing its context. */
  hbs.registerHelper('govukLet', function (this: unknown, ...args: unknown[]) {
    const options = optionsOf(args);
    return options.fn(this, { data: options.data, blockParams: argsOf(args) });
  });
  /** The block, wrapped in a govukFieldset when `fieldset` options are given (radios and date input do this). */
  hbs.registerHelper('govukInFieldset', function (this: unknown, fieldset: Params | undefined, by: string | undefined, ...rest: unknown[]) {
    const options = optionsOf(rest);
    const [role] = argsOf(rest);
    const html = new SafeString(options.fn(this, { data: options.data }).trim());
    if (!fieldset) return html;
    const render = hbs.partials.govukFieldset as Handlebars.TemplateDelegate;
    const params = { describedBy: by, classes: fieldset.classes, role, attributes: fieldset.attributes, legend: fieldset.legend, html };
    return new SafeString(render(params, { data: options.data }));
  });
}
