// Preloaded into s3rver 3.7.1 (node --require): it reads the x-amz-copy-source header of a CopyObject with decodeURI,
// which leaves an encoded '/' (%2F) as it is, while S3 decodes it. The AWS SDK for .NET encodes the header's slashes, so
// without this every server-side copy would name a bucket 'bucket%2Fkey' and fail with NoSuchBucket.
'use strict';

const path = require('path');

// The module s3rver's routes call at request time: patching its export reaches them.
const objectController = require(path.join(path.dirname(process.argv[1]), '..', 'lib', 'controllers', 'object'));
const putObjectCopy = objectController.putObjectCopy;
objectController.putObjectCopy = ctx => {
  ctx.headers['x-amz-copy-source'] = decodeURIComponent(ctx.headers['x-amz-copy-source']);
  return putObjectCopy(ctx);
};
