// The admin API, with the token this tab keeps (sessionStorage: gone when the tab closes, never
// in a URL). Every answer is JSON; a refusal carries {"error": "..."} and becomes an ApiError.

const KEY = 'eventrouter.console.token';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

/** The answer's JSON; throws an ApiError with the API's own message on a 4xx/5xx. */
export async function call(method, path, body, contentType = 'application/json') {
  const headers = { Authorization: 'Bearer ' + token.get() };
  if (body !== undefined) {
    headers['Content-Type'] = contentType;
  }
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
    credentials: 'omit',
    cache: 'no-store',
  });
  let json = null;
  try {
    json = await response.json();
  } catch (e) {
    json = null;
  }
  if (!response.ok) {
    const message = json && typeof json.error === 'string' ? json.error : response.statusText;
    throw new ApiError(response.status, message);
  }
  return json;
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body);

/** A path segment, encoded: names come from outside. */
export const seg = (text) => encodeURIComponent(text);
