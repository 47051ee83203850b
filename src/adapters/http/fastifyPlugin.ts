/**
 * Fastify adapter: registers the receiver's routes on a Fastify instance. Fastify parses bodies
 * itself, so the plugin asks for them raw (as a Buffer) within its own encapsulated scope, and
 * hands every request to the fetch-style handler unchanged.
 *
 * @example
 * await app.register(mluviiStatePlugin, { receiver });
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Receiver } from './createReceiver.js';
import { headersFrom, requestUrl } from './toNodeListener.js';

export interface FastifyPluginOptions {
  readonly receiver: Receiver;
}

export async function mluviiStatePlugin(app: FastifyInstance, options: FastifyPluginOptions): Promise<void> {
  // Within this plugin's scope every content type arrives as raw bytes; the receiver validates.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 * 1024 }, (_request, body, done) => done(null, body));
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const headers = headersFrom(request.headers);
    const body = request.body instanceof Buffer ? request.body : undefined;
    // Paths are the receiver's own below the prefix the plugin is registered under.
    const path = request.url.startsWith(app.prefix) ? request.url.slice(app.prefix.length) || '/' : request.url;
    const response = await options.receiver.handle(new Request(requestUrl(path), {
      method: request.method, headers, ...(body === undefined || request.method === 'GET' ? {} : { body }),
    }));
    reply.code(response.status).headers(Object.fromEntries(response.headers));
    return reply.send(response.body === null ? null : response.body);
  };
  app.all('/*', handler);
}
