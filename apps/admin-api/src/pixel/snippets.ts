// The snippets the admin API hands out for an app's pages: filled with everything Lookback knows (the tracking
// host, the app, its accepted events); what only the marketer knows stays a placeholder the pixel refuses.

/** Suggested events for an app that accepts any name: what most shops and sign-up funnels measure. */
const SUGGESTED = ['page_view', 'view_item', 'add_to_cart', 'begin_checkout', 'purchase', 'sign_up'];
/** Names whose hits usually carry an amount. */
const MONEY = /purchase|order|checkout_complete|subscri|payment|refund|revenue/i;

export interface SnippetApp {
  id: string;
  pixelEvents: string[] | null;
}

export interface EventSnippet {
  name: string;
  /** Where on the site this event belongs. */
  where: string;
  img: string;
  tag: string;
}

const WHERE: Record<string, string> = {
  page_view: 'every page (the web tag sends it by itself, also on single-page route changes)',
  view_item: 'product pages, once the product is shown',
  add_to_cart: 'where the "add to cart" button is handled',
  begin_checkout: 'the first checkout step',
  purchase: 'the order confirmation page, once per order (eventId = your order id)',
  sign_up: 'the page shown after an account is created',
};

function img(pixelUrl: string, query: string): string {
  // The full page URL reaches Lookback as the Referer only with this policy; or pass it as &url=.
  return `<img src="${pixelUrl}?${query}" width="1" height="1" alt="" style="display:none" referrerpolicy="no-referrer-when-downgrade">`;
}

export function pixelSnippets(trackingUrl: string, app: SnippetApp) {
  const pixelUrl = `${trackingUrl}/p/${app.id}.gif`;
  const names = app.pixelEvents ?? SUGGESTED;
  const pageViews = app.pixelEvents === null || app.pixelEvents.includes('page_view');
  const tag =
    `<script async src="${trackingUrl}/t.js" data-app="${app.id}"${pageViews ? '' : ' data-page-views="false"'}></script>\n` +
    `<script>window.lookback=window.lookback||function(){(lookback.q=lookback.q||[]).push(arguments)};</script>`;
  const events: EventSnippet[] = names.map((name) => {
    const money = MONEY.test(name);
    return {
      name,
      where: WHERE[name] ?? 'the page or handler where it happens',
      img: img(pixelUrl, `e=${name}${money ? '&v=REVENUE&cur=CURRENCY&eid=ORDER_ID' : ''}&uid=USER_ID`),
      tag: money
        ? `lookback('event', '${name}', { revenue: 'REVENUE', currency: 'CURRENCY', eventId: 'ORDER_ID' });`
        : `lookback('event', '${name}');`,
    };
  });
  const firstName = names.find((n) => n !== 'page_view') ?? names[0] ?? 'page_view';
  return {
    url: pixelUrl,
    snippet: img(pixelUrl, 'e=EVENT_NAME&uid=USER_ID'),
    tag,
    tagCalls: {
      identify: `lookback('identify', 'USER_ID');`,
      consent: `lookback('consent', { attribution: true, retargeting: true });`,
    },
    events,
    testUrl: `${pixelUrl}?e=${firstName}&test=1&debug=1`,
  };
}
