import { Ctx, Directive, Resolver, Root, Subscription } from 'type-graphql';
import type { GatehouseContext } from '../../context/context';
import { Device } from '../../entities';
import type { SessionEventPayload } from '../../subscriptions/live';
import { sessionEventsSource } from '../../subscriptions/session-events';
import { GraphQLErrors } from '../errors';
import { toDeviceType } from '../types/device';
import { SessionEventType, SessionEventTypeEnum } from '../types/session-event';

/** `sessionEvents`: the caller's own account events, live, from every instance. */
@GraphQLErrors()
@Resolver()
export class SessionEventsResolver {
  @Subscription(() => SessionEventType, {
    description: "What happens to the caller's account, live (over WebSocket, graphql-ws).",
    subscribe: ({ context }) => sessionEventsSource((context as GatehouseContext).gatehouse),
  })
  @Directive('@auth')
  async sessionEvents(@Root() event: SessionEventPayload, @Ctx() { gatehouse }: GatehouseContext): Promise<SessionEventType> {
    const { claims } = await gatehouse.principal();
    let device = null;
    if (event.deviceId) {
      // A fresh fork per event: the subscription lives long, its identity map must not.
      const row = await gatehouse.gh.orm.em.fork().findOne(Device, { id: event.deviceId, user: event.userId });
      device = row ? toDeviceType(row, claims.sid) : null;
    }
    return { type: SessionEventTypeEnum[event.type], device, at: new Date(event.at) };
  }
}
