import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GatehouseContext } from '../../context/context';
import { GraphQLErrors } from '../errors';
import { isUuid } from '../../util/uuid';
import { liveDevices } from '../../sessions/devices';
import { requireDeviceSession } from '../../sessions/require';
import { DeviceType, toDeviceType } from '../types/device';

/** Per-device sessions: list them, end one, end this one, end all others (ending needs a device session's token). */
@GraphQLErrors()
@Resolver()
export class DeviceResolver {
  @Query(() => [DeviceType], { description: "The caller's live devices, newest first; `current` marks the calling one." })
  @Directive('@auth')
  async devices(@Ctx() { gatehouse }: GatehouseContext): Promise<DeviceType[]> {
    const { user, claims } = await gatehouse.principal();
    return (await liveDevices(gatehouse.em, user.id, gatehouse.gh.clock.now())).map((device) => toDeviceType(device, claims.sid));
  }

  @Mutation(() => Boolean, { description: "Ends one of the caller's devices; false for an unknown device or another user's." })
  @Directive('@auth')
  async logoutDevice(@Arg('id', () => ID) id: string, @Ctx() { gatehouse }: GatehouseContext): Promise<boolean> {
    const { user, claims } = await gatehouse.principal();
    requireDeviceSession(claims);
    if (!isUuid(id)) return false;
    return gatehouse.gh.store.endDevice(user.id, id.toLowerCase(), 'logout_device', { requestId: gatehouse.requestId });
  }

  @Mutation(() => Boolean, { description: 'Ends the device of the calling access token.' })
  @Directive('@auth')
  async logout(@Ctx() { gatehouse }: GatehouseContext): Promise<boolean> {
    const { user, claims } = await gatehouse.principal();
    requireDeviceSession(claims);
    // The cookie belongs to this browser's device session, which ends here.
    gatehouse.clearRefreshCookie();
    return gatehouse.gh.store.endDevice(user.id, claims.sid, 'logout', { requestId: gatehouse.requestId });
  }

  @Mutation(() => Int, { description: 'Ends every other device of the caller; how many ended.' })
  @Directive('@auth')
  async logoutOtherDevices(@Ctx() { gatehouse }: GatehouseContext): Promise<number> {
    const { user, claims } = await gatehouse.principal();
    requireDeviceSession(claims);
    return gatehouse.gh.store.endOtherDevices(user.id, claims.sid, { requestId: gatehouse.requestId });
  }
}
