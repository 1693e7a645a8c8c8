import { Device } from './Device';
import { RefreshToken } from './RefreshToken';
import { User } from './User';

export { Device, RefreshToken, User };

/** Add these to your own MikroORM config's `entities` to embed Gatehouse. */
export const gatehouseEntities = [User, Device, RefreshToken];
