/**
 * The `sparrowrpc_typed` package written beside generated Python: the typed
 * boundary over the untyped reference `sparrowrpc` (value checks, typed
 * errors, call pumps, exports), shared by every generated module so each
 * module stays a thin typed shell. Fixed text, one file of support/ per
 * Python module: no schema goes in here.
 */
import { INIT_PY } from './support/init-py.ts';
import { AIO_PY } from './support/aio-py.ts';
import { COMMON_PY } from './support/common-py.ts';
import { ENGINE_PY } from './support/engine-py.ts';
import { ERRORS_PY } from './support/errors-py.ts';
import { THREADED_PY } from './support/threaded-py.ts';
import { VALUES_PY } from './support/values-py.ts';

/** `path` relative to the output folder, and the file's text. */
export const SUPPORT_FILES: readonly { readonly path: string; readonly content: string }[] = [
  { path: 'sparrowrpc_typed/__init__.py', content: INIT_PY },
  { path: 'sparrowrpc_typed/aio.py', content: AIO_PY },
  { path: 'sparrowrpc_typed/common.py', content: COMMON_PY },
  { path: 'sparrowrpc_typed/engine.py', content: ENGINE_PY },
  { path: 'sparrowrpc_typed/errors.py', content: ERRORS_PY },
  { path: 'sparrowrpc_typed/py.typed', content: '' },
  { path: 'sparrowrpc_typed/threaded.py', content: THREADED_PY },
  { path: 'sparrowrpc_typed/values.py', content: VALUES_PY },
];
