export { OutboundService, type OutboundRequest, type OutboundResult } from './outbound.service';
export { OutboundModule } from './outbound.module';
export { isPublicAddress } from './address-guard';
