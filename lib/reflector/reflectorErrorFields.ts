import { apiErrorFields, statusFields } from '../logging/errorFields.js';
import type { LogFields } from '../logging/Logger.js';
import type { ReflectorError } from './ReflectorError.js';

/**
 * The log fields of a {@link ReflectorError}: which failure (`reflectorError`), and what it
 * carries (the API error's fields, the resourceVersion, the Status's code, reason and message).
 *
 * Maps to the arguments of client-go's reflector warnings ("watch of *v1.Pod ended with: …").
 *
 * @example
 * ```ts
 * import { reflectorErrorFields } from 'kube-rx';
 * reflectorErrorFields({ _tag: 'VeryShortWatch', resourceVersion: '10' }); // { reflectorError: 'VeryShortWatch', resourceVersion: '10' }
 * ```
 * @category logging
 * @since 0.2.0
 */
export const reflectorErrorFields = (e: ReflectorError): LogFields => {
  switch (e._tag) {
    case 'ListFailed':
    case 'WatchFailed':
    case 'StreamingListUnsupported':
      return { reflectorError: e._tag, ...apiErrorFields(e.error) };
    case 'WatchExpired':
      return { reflectorError: e._tag, resourceVersion: e.resourceVersion, ...(e.status === undefined ? {} : statusFields(e.status)) };
    case 'WatchStatus':
      return { reflectorError: e._tag, resourceVersion: e.resourceVersion, ...statusFields(e.status) };
    case 'VeryShortWatch':
      return { reflectorError: e._tag, resourceVersion: e.resourceVersion };
    case 'WatchIdle':
      return { reflectorError: e._tag, resourceVersion: e.resourceVersion, idleMs: e.idleMs };
  }
};
